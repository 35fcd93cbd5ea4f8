import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyChannelsSignature } from '@channels/auth';
import type { HookRequest } from '@channels/contracts';
import { call, collect, connectClient, eventually, SseClient, SseRefused, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';
import {
  DRIVERS,
  type RealtimeConnection,
  RefusedConnect,
  TRANSPORTS,
  waitForItem,
} from '../transports/support/realtime-driver';

/**
 * Backend hooks (protocol §5.4) through the real processes, with a real HTTP receiver on loopback
 * playing the app's backend: allow, deny with a reason, transform (publish payload, connect
 * channels) and timeout / garbage, for connect, subscribe and publish, on socket.io, /optimized,
 * SSE and HTTP publishes by clients. Every request it gets must carry a valid signature.
 */
describe('backend hooks', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 0 });
  const app = 'hooked';
  const asked: HookRequest[] = [];
  let badSignatures = 0;
  let apiSecret = '';
  let receiver: Server;
  let receiverUrl = '';
  let http: Http;
  let admin: string;
  const open: { close(): unknown }[] = [];

  /** The backend's rules: decided by client, channel and payload. */
  const decide = (r: HookRequest): object | 'hang' | 'garbage' => {
    if (r.hook === 'connect') {
      if (r.clientID === 'banned') return { allow: false, reason: 'banned until Monday' };
      if (r.clientID === 'slowpoke') return 'hang';
      if (r.clientID === 'vip') return { allow: true, channels: ['lounge'] };
      return { allow: true };
    }
    if (r.hook === 'subscribe') {
      if (r.channelID?.startsWith('strict:')) return { allow: false, reason: 'strict namespace' };
      if (r.channelID === 'secret') return { allow: false, reason: 'not your room' };
      if (r.channelID === 'slow') return 'hang';
      if (r.channelID === 'broken') return 'garbage';
      return { allow: true };
    }
    const text = typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload);
    if (text.includes('spam')) return { allow: false, reason: 'no spam here' };
    if (text.includes('hang')) return 'hang';
    if (text.includes('darn')) return { allow: true, payload: text.replaceAll('darn', '****') };
    return { allow: true };
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (!verifyChannelsSignature(apiSecret, body, req.headers['x-channels-signature'] as string))
          badSignatures++;
        const r = JSON.parse(body) as HookRequest;
        asked.push(r);
        const answer = decide(r);
        if (answer === 'hang') return; // never answers
        res.setHeader('Content-Type', 'application/json');
        res.end(answer === 'garbage' ? '<html>oops</html>' : JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    const created = await http.post<{ apiSecret: string }>('/v1/apps', {
      token: stack.superAdminToken(),
      body: { appID: app, name: 'Hooked' },
    });
    expect(created.status).toBe(201);
    apiSecret = created.body.apiSecret;
    for (const channelID of ['room', 'secret', 'slow', 'broken', 'lounge', 'other'])
      expect(
        (await http.post(`/v1/apps/${app}/channels`, { token: admin, body: { channelID } })).status,
      ).toBe(201);
    const set = await http.put(`/v1/apps/${app}/hooks`, {
      token: admin,
      body: {
        connect: { url: `${receiverUrl}/connect` },
        subscribe: { url: `${receiverUrl}/subscribe` },
        publish: { url: `${receiverUrl}/publish` },
        timeoutMs: 400,
        onFailure: 'deny',
      },
    });
    expect(set.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const c of open) await c.close();
    await stack.stop();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    expect(badSignatures).toBe(0);
  });

  it('manages the hooks over /v1 with clear errors', async () => {
    const got = await http.get<{ hooks: { timeoutMs: number } }>(`/v1/apps/${app}/hooks`, { token: admin });
    expect(got.status).toBe(200);
    expect(got.body.hooks.timeoutMs).toBe(400);
    const bad = await http.put(`/v1/apps/${app}/hooks`, {
      token: admin,
      body: { publish: { url: 'ftp://example' }, onFailure: 'maybe' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('publish.url');
    const byClient = await http.put(`/v1/apps/${app}/hooks`, {
      token: stack.clientToken(app, 'u1'),
      body: {},
    });
    expect(byClient.status).toBe(403);
  });

  describe.each(TRANSPORTS)('over %s', (transport) => {
    const connect = async (clientID: string, gw = 0): Promise<RealtimeConnection> => {
      const c = await DRIVERS[transport].connect(stack.url('gateway', gw), {
        token: stack.clientToken(app, clientID),
        appID: app,
      });
      open.push(c);
      return c;
    };

    it("refuses a connection the backend denies, with the backend's reason", async () => {
      const refused = await connect('banned').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RefusedConnect);
      expect((refused as RefusedConnect).detail).toContain(transport === 'socket.io' ? 'denied' : '403');
      expect((refused as RefusedConnect).detail).toContain('banned until Monday');
      expect(asked).toContainEqual(
        expect.objectContaining({ hook: 'connect', appID: app, clientID: 'banned', transport }),
      );
    });

    it('refuses a connection whose hook does not answer in time, and serves others meanwhile', async () => {
      const slow = connect('slowpoke').catch((e: unknown) => e);
      const fine = await connect(`quick-${transport}`);
      expect(await fine.subscribe('room')).toBe(true);
      const refused = await slow;
      expect(refused).toBeInstanceOf(RefusedConnect);
      expect((refused as RefusedConnect).detail).toContain('no answer in time');
    });

    it('subscribes the channels the connect hook names', async () => {
      const vip = await connect('vip', 1);
      // The subscription is made as the connection opens (socket.io: right after `ready`): publish
      // until the first event arrives.
      await eventually(async () => {
        const sent = await http.post(`/v1/apps/${app}/channels/lounge/events`, {
          token: admin,
          body: { eventType: 'm', payload: `welcome over ${transport}` },
        });
        expect(sent.status).toBe(201);
        await new Promise((r) => setTimeout(r, 100));
        return vip.events.some((e) => e.channelID === 'lounge');
      }, 'a lounge event');
    });

    it('allows, denies and fails subscriptions as the backend says', async () => {
      const c = await connect(`sub-${transport}`);
      expect(await c.subscribe('room')).toBe(true);
      expect(await c.subscribe('secret')).toBe(false);
      expect(await c.subscribe('slow')).toBe(false);
      expect(await c.subscribe('broken')).toBe(false);
      expect(asked).toContainEqual(
        expect.objectContaining({
          hook: 'subscribe',
          clientID: `sub-${transport}`,
          channelID: 'secret',
          transport,
        }),
      );
    });

    it('publishes what the backend allows, as it rewrote it, and refuses the rest', async () => {
      const sender = await connect(`pub-${transport}`);
      const reader = await connect(`read-${transport}`, 1);
      expect(await sender.subscribe('room')).toBe(true);
      expect(await reader.subscribe('room')).toBe(true);
      expect(await sender.publish('room', 'msg', 'well darn it', { acked: true })).toBe(true);
      expect(await sender.publish('room', 'msg', 'buy spam now', { acked: true })).toBe(false);
      expect(await sender.publish('room', 'msg', 'please hang', { acked: true })).toBe(false);
      expect(await sender.publish('room', 'msg', 'plain', { acked: true })).toBe(true);
      await waitForItem(
        reader.events,
        (e) => e.payload === 'plain' || e.payload === '"plain"',
        'plain arrives',
      );
      const texts = reader.payloads('room').map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
      expect(texts.map((t) => t.replaceAll('"', ''))).toEqual(['well **** it', 'plain']);
    });
  });

  describe('over socket.io, in detail', () => {
    let socket: Socket;
    beforeAll(async () => {
      socket = (
        await connectClient(stack.url('gateway', 0), { token: stack.clientToken(app, 'detail'), appID: app })
      ).socket;
      open.push(socket);
    });

    it("answers denied with the backend's reason, per channel", async () => {
      const ack = await call<{ results: Record<string, { ok: boolean; error?: object }> }>(
        socket,
        'subscribe',
        {
          channels: ['room', 'secret'],
        },
      );
      expect(ack.results['room']).toMatchObject({ ok: true });
      expect(ack.results['secret']).toEqual({
        ok: false,
        error: { code: 'denied', message: 'not your room' },
      });
      const pub = await call(socket, 'publish', {
        channelID: 'room',
        eventType: 'm',
        payload: { t: 'spam' },
      });
      expect(pub).toEqual({ ok: false, error: { code: 'denied', message: 'no spam here' } });
    });

    it('subscribes the channels the connect hook names, announced with new_subscription', async () => {
      const { socket: vip } = await connectClient(stack.url('gateway', 1), {
        token: stack.clientToken(app, 'vip'),
        appID: app,
      });
      open.push(vip);
      const subs = collect<{ channelID: string }>(vip, 'new_subscription');
      await eventually(() => subs.some((s) => s.channelID === 'lounge'), 'lounge subscribed at connect');
    });

    it('never asks about admins (backends)', async () => {
      const before = asked.length;
      const { socket: ops } = await connectClient(stack.url('gateway', 0), { token: admin, appID: app });
      open.push(ops);
      const ack = await call<{ results: Record<string, { ok: boolean }> }>(ops, 'subscribe', {
        channels: ['secret'],
      });
      expect(ack.results['secret']?.ok).toBe(true);
      expect(
        await call(ops, 'publish', { channelID: 'secret', eventType: 'm', payload: 'spam from ops' }),
      ).toMatchObject({
        ok: true,
      });
      expect(asked.length).toBe(before);
    });
  });

  describe('over SSE and HTTP', () => {
    const sse = (clientID: string, ...channels: string[]) =>
      SseClient.open(
        `${stack.url('gateway', 0)}/sse?${channels.map((c) => `channel=${c}`).join('&')}&appID=${app}&token=${stack.clientToken(app, clientID)}`,
      );

    it("refuses a stream the backend denies with HTTP 403 and the backend's reason", async () => {
      const refused = await sse('banned', 'room').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SseRefused);
      expect((refused as SseRefused).status).toBe(403);
      expect(JSON.parse((refused as SseRefused).body)).toEqual({
        error: { code: 'denied', message: 'banned until Monday' },
      });
    });

    it('refuses a stream whose connect hook does not answer in time', async () => {
      const refused = await sse('slowpoke', 'room').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SseRefused);
      expect((refused as SseRefused).status).toBe(403);
      expect((refused as SseRefused).body).toContain('no answer in time');
    });

    it('reports a denied channel as subscribe_error and streams the others', async () => {
      const stream = await sse('sse-reader', 'room', 'secret');
      open.push(stream);
      const refused = await stream.next('subscribe_error');
      expect(JSON.parse(refused.data)).toEqual({
        channelID: 'secret',
        error: { code: 'denied', message: 'not your room' },
      });
      const publish = (payload: unknown, token = stack.clientToken(app, 'sse-writer')) =>
        http.post(`/v1/apps/${app}/channels/room/events`, { token, body: { eventType: 'm', payload } });
      const denied = await publish('spam');
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ error: { code: 'denied', message: 'no spam here' } });
      const unanswered = await publish('hang on');
      expect(unanswered.status).toBe(403);
      expect(unanswered.text).toContain('no answer in time');
      const slowStream = await sse('sse-reader-2', 'room', 'slow');
      open.push(slowStream);
      const slowRefused = await slowStream.next('subscribe_error');
      expect(JSON.parse(slowRefused.data)).toMatchObject({ channelID: 'slow', error: { code: 'denied' } });
      expect((await publish('darn http')).status).toBe(201);
      const got = await stream.next('event', (d) => (d as { payload: unknown }).payload === '**** http');
      expect(JSON.parse(got.data)).toMatchObject({ channelID: 'room', senderID: 'sse-writer' });
      expect(asked).toContainEqual(
        expect.objectContaining({ hook: 'publish', clientID: 'sse-writer', transport: 'http' }),
      );
    });
  });

  it("uses a namespace's own hooks for its channels: other rules, or none", async () => {
    for (const [name, hooks] of [
      ['strict', { subscribe: { url: `${receiverUrl}/strict` } }],
      ['free', {}],
    ] as const) {
      const r = await http.post(`/v1/apps/${app}/namespaces`, {
        token: admin,
        body: { name, autoCreate: true, hooks },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ name, hooks });
    }
    const c = await DRIVERS['socket.io'].connect(stack.url('gateway', 1), {
      token: stack.clientToken(app, 'ns-user'),
      appID: app,
    });
    open.push(c);
    const before = asked.length;
    expect(await c.subscribe('strict:a')).toBe(false);
    expect(await c.subscribe('free:a')).toBe(true);
    expect(asked.slice(before).map((r) => r.channelID)).toEqual(['strict:a']);
    // Spam on a channel of the free namespace is not the backend's business any more.
    expect(await c.publish('free:a', 'm', 'spam', { acked: true })).toBe(true);
  });

  it('counts calls per hook type and outcome on /metrics', async () => {
    const text = await (await fetch(`${stack.url('gateway', 0)}/metrics`)).text();
    expect(text).toMatch(/channels_hook_calls_total\{hook="subscribe",outcome="deny"\} [1-9]/);
    expect(text).toMatch(/channels_hook_calls_total\{hook="subscribe",outcome="timeout"\} [1-9]/);
    expect(text).toMatch(/channels_hook_calls_total\{hook="subscribe",outcome="bad_answer"\} [1-9]/);
    expect(text).toMatch(/channels_hook_duration_seconds_count\{hook="connect"\} [1-9]/);
  });

  it('stops asking once the hooks are removed, on every gateway', async () => {
    expect((await http.delete(`/v1/apps/${app}/hooks`, { token: admin })).status).toBe(204);
    const before = asked.length;
    const c = await DRIVERS['socket.io'].connect(stack.url('gateway', 1), {
      token: stack.clientToken(app, 'banned'),
      appID: app,
    });
    open.push(c);
    expect(await c.subscribe('secret')).toBe(true);
    expect(asked.length).toBe(before);
  });
});
