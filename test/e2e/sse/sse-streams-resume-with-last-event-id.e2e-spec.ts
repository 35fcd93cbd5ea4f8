import { connect as tcp } from 'node:net';
import { eventually, sleep, SseClient, SseRefused, Stack } from '@channels/testing';
import { Http } from '../admin-api/support/http';

type Ev = { channelID: string; offset: number; epoch: string; payload: unknown; senderID: string };

/**
 * Server-Sent Events (protocol §5.2) on real gateways: credentials, several channels with a private
 * refusal, ids that resume every channel with Last-Event-ID (no gap, no duplicate), recovery_failed,
 * malformed ids, heartbeats, and the end of streams on SIGTERM.
 */
describe('SSE streams', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    serviceEnv: {
      gateway: { SSE_HEARTBEAT_MS: '200', DRAIN_WINDOW_MS: '200', MAX_OUTBOUND_BUFFER_BYTES: '65536' },
      'admin-api': { CLIENT_PUBLISH_RATE_PER_SEC: '5' },
    },
  });
  const app = 'sse';
  const streams: SseClient[] = [];
  let http: Http;
  let admin: string;

  const sseUrl = (gw: number, channels: string[], extra: Record<string, string> = {}) => {
    const q = new URLSearchParams();
    for (const c of channels) q.append('channel', c);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return `${stack.url('gateway', gw)}/sse?${q.toString()}`;
  };
  const open = async (
    gw: number,
    channels: string[],
    o: { clientID?: string; lastEventId?: string; query?: boolean } = {},
  ) => {
    const token = stack.clientToken(app, o.clientID ?? 'reader');
    const s = o.query
      ? await SseClient.open(
          sseUrl(gw, channels, {
            token,
            appID: app,
            ...(o.lastEventId ? { lastEventId: o.lastEventId } : {}),
          }),
        )
      : await SseClient.open(sseUrl(gw, channels), {
          Authorization: token,
          AppID: app,
          ...(o.lastEventId ? { 'Last-Event-ID': o.lastEventId } : {}),
        });
    streams.push(s);
    return s;
  };
  const publish = async (channelID: string, payload: unknown) => {
    const r = await http.post<{ offset: number }>(
      `/v1/apps/${app}/channels/${encodeURIComponent(channelID)}/events`,
      {
        token: admin,
        body: { eventType: 'msg', payload },
      },
    );
    expect(r.status).toBeLessThan(300);
    return r.body.offset;
  };
  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const r = await p;
    expect({ status: r.status, text: r.text }).toEqual({ status, text: expect.any(String) });
  };

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    await ok(http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'SSE' } }));
    const channel = (body: object) => ok(http.post('/channel', { token: admin, appID: app, body }), 201);
    await channel({ channelID: 'a', persistent: true });
    await channel({ channelID: 'ns:b.x@y', persistent: true });
    await channel({ channelID: 'live', persistent: false });
    await channel({ channelID: 'secret', persistent: true, private: true });
  }, 120_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await stack.stop();
  });

  it('refuses bad credentials with 401 and the error body, and bad requests with 400', async () => {
    const refused = async (url: string, headers: Record<string, string> = {}) => {
      const e = await SseClient.open(url, headers).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SseRefused);
      return e as SseRefused;
    };
    const bad = await refused(sseUrl(0, ['a'], { token: 'garbage', appID: app }));
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect((await refused(sseUrl(0, ['a']))).status).toBe(401);
    expect(
      (await refused(sseUrl(0, ['a']), { Authorization: stack.clientToken('other', 'x'), AppID: app }))
        .status,
    ).toBe(401);
    const token = stack.clientToken(app, 'reader');
    expect((await refused(sseUrl(0, [], { token, appID: app }))).status).toBe(400);
    for (const id of ['garbage!', 'AQ', Buffer.from([1, 0, 0, 0]).toString('base64url'), 'x'.repeat(9_000)]) {
      const r = await refused(sseUrl(0, ['a'], { token, appID: app, lastEventId: id }));
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe('bad_request');
    }
  });

  it('streams several channels, reports a refused one, and resumes every channel with Last-Event-ID', async () => {
    const s = await open(0, ['a', 'ns:b.x@y', 'secret', 'live']);
    const ready = await s.next('ready');
    expect(ready.id).toEqual(expect.any(String));
    expect(s.data('subscribe_error')).toEqual([
      { channelID: 'secret', error: expect.objectContaining({ code: 'forbidden' }) },
    ]);

    await publish('a', 'a1');
    await publish('ns:b.x@y', 'b1');
    await publish('live', 'l1');
    await s.next('event', (e) => (e as Ev).payload === 'b1');
    await s.next('event', (e) => (e as Ev).payload === 'l1');
    const lastId = s.lastEventId as string;
    s.close();

    // Missed while away: two channels, interleaved.
    const missed: string[] = [];
    for (let i = 2; i <= 6; i++) {
      await publish('a', `a${i}`);
      await publish('ns:b.x@y', `b${i}`);
      missed.push(`a${i}`, `b${i}`);
    }
    // Resumed on the other gateway, credentials in the query as a browser sends them.
    const again = await open(1, ['a', 'ns:b.x@y', 'secret', 'live'], { lastEventId: lastId, query: true });
    await again.next('ready');
    await publish('a', 'a7');
    await again.next('event', (e) => (e as Ev).payload === 'a7');
    const got = again.data<Ev>('event');
    expect(got.map((e) => e.payload)).toEqual([
      ...missed.filter((p) => p.startsWith('a')),
      ...missed.filter((p) => p.startsWith('b')),
      'a7',
    ]);
    for (const ch of ['a', 'ns:b.x@y']) {
      const offsets = got.filter((e) => e.channelID === ch).map((e) => e.offset);
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => offsets[0] + i));
    }
    expect(again.data('recovery_failed')).toEqual([]);
    // Every stored event has an id; the id moves with each.
    const ids = again.messages.filter((m) => m.event === 'event').map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers recovery_failed for a channel whose position is from another epoch, and streams on', async () => {
    const s = await open(0, ['a']);
    await s.next('ready');
    await publish('a', 'x1');
    await s.next('event', (e) => (e as Ev).payload === 'x1');
    const real = s.lastEventId as string;
    s.close();
    // Same layout, another epoch: 1 version byte, kind 1, varint offset, 6 epoch bytes.
    const bytes = Buffer.from(real, 'base64url');
    bytes[bytes.length - 1] ^= 0xff;
    const forged = await open(1, ['a'], { lastEventId: bytes.toString('base64url') });
    const failed = await forged.next('recovery_failed');
    expect(JSON.parse(failed.data)).toEqual({ channelID: 'a', epoch: expect.any(String) });
    await forged.next('ready');
    await publish('a', 'x2');
    await forged.next('event', (e) => (e as Ev).payload === 'x2');
  });

  it('lets a client token publish over HTTP under the socket rules, so an SSE page can write', async () => {
    const s = await open(1, ['a']);
    await s.next('ready');
    const as = (clientID: string, channelID: string, payload: unknown) =>
      http.post<{ offset?: number; error?: { code: string } }>(
        `/v1/apps/${app}/channels/${encodeURIComponent(channelID)}/events`,
        { token: stack.clientToken(app, clientID), body: { eventType: 'msg', payload } },
      );
    const sent = await as('writer', 'a', 'from a page');
    expect(sent.status).toBe(201);
    const got = await s.next('event', (e) => (e as Ev).payload === 'from a page');
    expect(JSON.parse(got.data)).toMatchObject({ senderID: 'writer', offset: sent.body.offset });
    // The socket's rules: a private channel needs membership, another app's token is refused.
    expect((await as('writer', 'secret', 'x')).status).toBe(403);
    const foreign = await http.post(`/v1/apps/${app}/channels/a/events`, {
      token: stack.clientToken('other-app', 'writer'),
      body: { eventType: 'msg', payload: 'x' },
    });
    expect(foreign.status).toBe(403);
    // Rate limited per client (5/s here), whichever replica answers.
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => as('flood', 'a', i)));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((x) => x === 201).length).toBeLessThanOrEqual(6);
    expect(burst.find((r) => r.status === 429)?.body.error?.code).toBe('rate_limited');
  });

  it('ends the stream of a reader that falls behind; it resumes with its last id and misses nothing', async () => {
    const fast = await open(1, ['a']);
    await fast.next('ready');
    // A reader that stops reading: a raw connection, paused after the headers.
    const url = new URL(sseUrl(1, ['a'], { token: stack.clientToken(app, 'slow'), appID: app }));
    const raw = tcp(Number(url.port), url.hostname);
    let received = '';
    let closed = false;
    let paused = false;
    raw.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (!paused && received.includes('event: ready')) {
        paused = true;
        raw.pause();
      }
    });
    raw.on('close', () => (closed = true));
    raw.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    await eventually(() => received.includes('event: ready'), 'the slow stream is ready');
    const big = 'x'.repeat(60_000);
    const drops = async () => {
      const text = await (await fetch(`${stack.url('gateway', 1)}/metrics`)).text();
      return Number(/^channels_gateway_outbound_buffer_drops_total (\S+)$/m.exec(text)?.[1] ?? 0);
    };
    let dropCount = 0;
    const watch = setInterval(
      () =>
        void drops().then(
          (n) => (dropCount = n),
          () => undefined,
        ),
      200,
    );
    const offsets: number[] = [];
    try {
      for (let i = 0; i < 400 && dropCount === 0; i++) offsets.push(await publish('a', `${i}:${big}`));
    } finally {
      clearInterval(watch);
    }
    // The gateway gave up on it: its unsent data passed MAX_OUTBOUND_BUFFER_BYTES.
    expect(await drops()).toBeGreaterThanOrEqual(1);
    raw.resume();
    await eventually(() => closed, 'the slow stream ended by the gateway', 15_000);
    // The fast reader on the same gateway got everything.
    await eventually(
      () => fast.data<Ev>('event').filter((e) => offsets.includes(e.offset)).length === offsets.length,
      'the fast reader has every event',
      15_000,
    );
    // The slow reader resumes from the last id it did receive.
    const ids = [...received.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]);
    const resumed = await open(0, ['a'], { clientID: 'slow', lastEventId: ids[ids.length - 1] });
    await resumed.next('ready');
    const seen = [...received.matchAll(/"offset":(\d+)/g)]
      .map((m) => Number(m[1]))
      .filter((o) => offsets.includes(o));
    const rest = resumed.data<Ev>('event').map((e) => e.offset);
    expect([...new Set([...seen, ...rest])].sort((x, y) => x - y)).toEqual(offsets);
    expect(rest[0]).toBe(Math.max(...seen.filter((o) => o < rest[0]), offsets[0] - 1) + 1);
  });

  it('sends comment heartbeats and ends its streams on SIGTERM so that they resume elsewhere', async () => {
    const s = await open(0, ['a']);
    await s.next('ready');
    await eventually(() => s.comments >= 3, 'three heartbeats', 5_000);
    const ended = Promise.race([s.ended.then(() => 'ended'), sleep(10_000).then(() => 'still open')]);
    await stack.terminate(stack.all('gateway')[0]);
    expect(await ended).toBe('ended');
  });
});
