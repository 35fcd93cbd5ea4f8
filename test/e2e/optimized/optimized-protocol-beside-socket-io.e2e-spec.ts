import {
  call,
  collect,
  connectClient,
  eventually,
  OptimizedClient,
  OptimizedConnectError,
  sleep,
  Stack,
} from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';
import { PRESENCE_TEST_ENV } from '../presence/support/presence-client';

type Ev = { channelID: string; offset?: number; payload: unknown; senderID: string; eventType: string };

/**
 * The original product's `/optimized` protocol (original-wire.md) on real gateways, beside
 * socket.io: the handshake (401 before the upgrade), SUBSCRIBE / PUBLISH / ACK, stored and live-only
 * publishes, presence and membership frames, the heartbeat, malformed frames — and both transports
 * in one channel, across gateways, once each and in offset order.
 */
describe('/optimized beside socket.io', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    env: PRESENCE_TEST_ENV,
    serviceEnv: { gateway: { OPTIMIZED_PING_INTERVAL_MS: '300', OPTIMIZED_PONG_WAIT_MS: '1500' } },
  });
  const app = 'wire';
  const clients: OptimizedClient[] = [];
  const sockets: Socket[] = [];
  let http: Http;
  let admin: string;

  const optimized = async (
    gw: number,
    clientID: string,
    o: { via?: 'headers' | 'query'; bearer?: boolean } = {},
  ) => {
    const c = await OptimizedClient.connect(stack.url('gateway', gw), {
      token: stack.clientToken(app, clientID),
      appID: app,
      ...o,
    });
    clients.push(c);
    return c;
  };
  const socketIo = async (gw: number, clientID: string) => {
    const { socket } = await connectClient(stack.url('gateway', gw), {
      token: stack.clientToken(app, clientID),
      appID: app,
    });
    sockets.push(socket);
    return socket;
  };
  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const r = await p;
    expect({ status: r.status, text: r.text }).toEqual({ status, text: expect.any(String) });
  };

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    await ok(http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'Wire' } }));
    for (const clientID of ['alice', 'bob', 'carol'])
      await ok(http.post('/client', { token: admin, appID: app, body: { clientID } }));
    const channel = (body: object) => ok(http.post('/channel', { token: admin, appID: app, body }), 201);
    await channel({ channelID: 'news', persistent: true });
    await channel({ channelID: 'live', persistent: false });
    await channel({ channelID: 'room', persistent: true, private: true, presence: true });
    await ok(http.post('/channel/room/join/alice', { token: admin, appID: app }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('refuses a bad token, a foreign app and a missing token with HTTP 401 before the upgrade', async () => {
    const url = stack.url('gateway', 0);
    const attempts = [
      OptimizedClient.connect(url, { token: 'garbage', appID: app }),
      OptimizedClient.connect(url, { token: stack.clientToken('other-app', 'x'), appID: app }),
      OptimizedClient.connect(url, { token: '', appID: app }),
      OptimizedClient.connect(url, { token: stack.clientToken(app, 'alice', -10), appID: app, via: 'query' }),
    ];
    for (const s of await Promise.allSettled(attempts)) {
      expect(s.status).toBe('rejected');
      const reason = (s as PromiseRejectedResult).reason as OptimizedConnectError;
      expect(reason).toBeInstanceOf(OptimizedConnectError);
      expect(reason.status).toBe(401);
    }
    // Credentials in the query (browsers) and a Bearer prefix are accepted.
    const viaQuery = await optimized(1, 'alice', { via: 'query' });
    const bearer = await optimized(0, 'bob', { bearer: true });
    expect((await viaQuery.subscribe('news', 1)).ack).toEqual({ replyTo: 1, status: true });
    expect((await bearer.subscribe('news', 1)).ack).toEqual({ replyTo: 1, status: true });
  });

  it('carries events both ways between socket.io and /optimized, across gateways, once each and in offset order', async () => {
    const wire = await optimized(0, 'alice');
    const sio = await socketIo(1, 'bob');
    expect((await wire.subscribe('news', 7)).ack).toEqual({ replyTo: 7, status: true });
    const got = collect<Ev>(sio, 'event');
    expect(
      (await call<{ results: Record<string, { ok: boolean }> }>(sio, 'subscribe', { channels: ['news'] }))
        .results['news']?.ok,
    ).toBe(true);
    const before = wire.payloads('PUBLISH').length;

    for (let i = 1; i <= 20; i++) {
      if (i % 2 === 0) {
        expect(
          await wire.publish({ ID: 100 + i, channelID: 'news', eventType: 'msg', payload: `w${i}` }),
        ).toEqual({
          replyTo: 100 + i,
          status: true,
        });
      } else {
        const ack = await call<{ ok: boolean }>(sio, 'publish', {
          channelID: 'news',
          eventType: 'msg',
          payload: { n: i, s: 'x' },
        });
        expect(ack.ok).toBe(true);
      }
    }
    const http_ = await http.post('/channel/news/publish/', {
      token: admin,
      appID: app,
      body: { eventType: 'msg', payload: 'from-http' },
    });
    expect(http_.status).toBeLessThan(300);

    await eventually(
      () => got.length >= 21 && wire.payloads('PUBLISH').length - before >= 21,
      'both sides received 21 events',
    );
    await sleep(300);
    // socket.io: each once, in offset order.
    const offsets = got.map((e) => e.offset as number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(21);
    // /optimized: the same 21 events, in the same order, payloads as text, senders and times from the server.
    const events = wire.payloads('PUBLISH').slice(before);
    expect(events).toHaveLength(21);
    expect(events.map((e) => e.payload)).toEqual(
      got.map((e) => (typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload))),
    );
    expect(events[1]).toMatchObject({
      channelID: 'news',
      eventType: 'msg',
      payload: 'w2',
      senderID: 'alice',
    });
    expect(events[0].payload).toBe('{"n":1,"s":"x"}');
    const now = Date.now() / 1000;
    for (const e of events) expect(Math.abs(Number(e.timestamp) - now)).toBeLessThan(60);
  });

  it('stores a PUBLISH with ID != 0 and delivers one with ID == 0 live only', async () => {
    const wire = await optimized(1, 'carol');
    const watcher = await optimized(0, 'bob');
    await watcher.subscribe('news', 1);
    await wire.publish({ ID: 0, channelID: 'news', eventType: 'live', payload: 'fire-and-forget' });
    expect(await wire.publish({ ID: 5, channelID: 'news', eventType: 'kept', payload: 'stored' })).toEqual({
      replyTo: 5,
      status: true,
    });
    await watcher.next('PUBLISH', (e) => e.payload === 'fire-and-forget');
    await watcher.next('PUBLISH', (e) => e.payload === 'stored');
    // Only the acknowledged one is in the history.
    await eventually(async () => {
      const r = await http.get<{ events: { payload: unknown }[] }>('/last/news/50', {
        token: admin,
        appID: app,
      });
      const payloads = (r.body.events ?? []).map((e) => e.payload);
      return payloads.includes('stored');
    }, 'the stored event in history');
    const r = await http.get<{ events: { payload: unknown }[] }>('/last/news/50', {
      token: admin,
      appID: app,
    });
    expect(r.body.events.map((e) => e.payload)).not.toContain('fire-and-forget');
  });

  it('answers refusals with ACK status:false and ignores malformed frames, then serves the connection', async () => {
    const wire = await optimized(0, 'bob');
    // A private channel bob is not a member of, an unknown channel, a closed-to-him publish.
    expect((await wire.subscribe('room', 3)).ack).toEqual({ replyTo: 3, status: false });
    expect((await wire.subscribe('no-such-channel', 4)).ack).toEqual({ replyTo: 4, status: false });
    expect(await wire.publish({ ID: 9, channelID: 'room', eventType: 'x', payload: 'no' })).toEqual({
      replyTo: 9,
      status: false,
    });
    // Garbage, text, an unknown type, the server's own types: ignored.
    await wire.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0x01]));
    await wire.sendRaw('{"type":"subscribe"}');
    await wire.sendFrame(42, Buffer.from([1, 2, 3]));
    await wire.sendFrame('ACK', Buffer.from([8, 1]));
    await wire.sendFrame('SUBSCRIBE', Buffer.from([0x0a, 0x05, 0x61]));
    await sleep(200);
    expect(wire.isOpen).toBe(true);
    expect((await wire.subscribe('news', 11)).ack).toEqual({ replyTo: 11, status: true });
    // No frame answered the garbage.
    expect(wire.payloads('ACK').map((a) => a.replyTo)).toEqual([3, 4, 9, 11]);
  });

  it('sends INITIAL_ONLINE_STATUS before the ACK, then ONLINE_STATUS, JOIN/LEAVE_CHANNEL and NEW/REMOVE_CHANNEL', async () => {
    const alice = await optimized(0, 'alice');
    const sub = await alice.subscribe('room', 21);
    expect(sub.ack).toEqual({ replyTo: 21, status: true });
    expect(sub.initial).toMatchObject({ channelID: 'room' });
    const initialAt = alice.frames.findIndex((f) => f.type === 'INITIAL_ONLINE_STATUS');
    const ackAt = alice.frames.findIndex(
      (f) => f.type === 'ACK' && (f.payload as { replyTo: number }).replyTo === 21,
    );
    expect(initialAt).toBeGreaterThanOrEqual(0);
    expect(initialAt).toBeLessThan(ackAt);

    // carol is added: alice's connection hears JOIN_CHANNEL, carol's hears NEW_CHANNEL with the raw id.
    const carol = await optimized(1, 'carol');
    await ok(http.post('/channel/room/join/carol', { token: admin, appID: app }));
    expect((await carol.next('NEW_CHANNEL')).payload).toBe('room');
    await alice.next('JOIN_CHANNEL', (j) => j.clientID === 'carol' && j.channelID === 'room');
    expect((await carol.subscribe('room', 1)).ack.status).toBe(true);
    // A client is not told of its own status; the others are, with the time in seconds.
    const online = await alice.next('ONLINE_STATUS', (s) => s.clientID === 'carol' && s.status === true);
    expect(Math.abs(Number(online.payload.timestamp) - Date.now() / 1000)).toBeLessThan(60);

    // A socket.io member's presence reaches /optimized too.
    const bobSio = await socketIo(1, 'bob');
    await ok(http.post('/channel/room/join/bob', { token: admin, appID: app }));
    const subs = await call<{ results: Record<string, { ok: boolean }> }>(bobSio, 'subscribe', {
      channels: ['room'],
    });
    expect(subs.results['room']?.ok).toBe(true);
    await alice.next('ONLINE_STATUS', (s) => s.clientID === 'bob' && s.status === true);

    // carol is removed: REMOVE_CHANNEL to her connection, LEAVE_CHANNEL to the others.
    await ok(http.post('/channel/room/leave/carol', { token: admin, appID: app }));
    expect((await carol.next('REMOVE_CHANNEL')).payload).toBe('room');
    await alice.next('LEAVE_CHANNEL', (l) => l.clientID === 'carol');
    await alice.next('ONLINE_STATUS', (s) => s.clientID === 'carol' && s.status === false, 15_000);
  });

  it('pings at the configured period and closes a connection that stops answering', async () => {
    const wire = await optimized(0, 'bob');
    await eventually(() => wire.pings >= 3, 'three pings', 5_000);
    // A client that answers no ping (pong replies suppressed) is closed after the pong wait.
    const mute = await optimized(1, 'carol');
    (mute.ws as unknown as { _autoPong: boolean })._autoPong = false;
    const closed = await Promise.race([mute.closed, sleep(6_000).then(() => null)]);
    expect(closed).not.toBeNull();
    expect(wire.isOpen).toBe(true);
  });

  it('counts its connections by transport and closes them on SIGTERM, refusing new upgrades', async () => {
    const wire = await optimized(1, 'bob');
    const text = await (await fetch(`${stack.url('gateway', 1)}/metrics`)).text();
    const m = /^channels_gateway_transport_connections\{transport="optimized"\} (\S+)$/m.exec(text);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
    const gateway = stack.all('gateway')[1];
    const exited = stack.terminate(gateway);
    const closed = await Promise.race([wire.closed, sleep(8_000).then(() => null)]);
    expect(closed).toMatchObject({ code: 1001 });
    await exited;
  });
});
