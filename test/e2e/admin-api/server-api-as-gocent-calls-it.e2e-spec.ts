import { createHmac } from 'node:crypto';
import { call, collect, connectClient, eventually, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { errorShape, Http } from './support/http';

type Ev = {
  id: string;
  channelID: string;
  eventType: string;
  payload: unknown;
  senderID: string;
  timestamp: number;
};
/** gocent's `Response`. */
type Reply = { uid?: string; method: string; error: string | null; body: unknown };
/** gocent's `Command`: `uid` is always sent (empty unless set). */
type Command = { uid: string; method: string; params: Record<string, unknown> };

/**
 * A backend written for Centrifugo v1 with gocent, pointed at Channels: the client below does what
 * gocent does — appends `/api/` to the address it is given, sends the buffered commands as one JSON
 * array and signs the exact body bytes (hex HMAC-SHA256 with the secret) in `X-API-Sign`.
 */
class Gocent {
  readonly endpoint: string;
  private cmds: Command[] = [];

  constructor(
    addr: string,
    private readonly secret: string,
  ) {
    let a = addr.replace(/\/+$/, '');
    if (!a.endsWith('/api')) a += '/api';
    this.endpoint = `${a}/`;
  }

  add(method: string, params: Record<string, unknown> = {}): this {
    this.cmds.push({ uid: '', method, params });
    return this;
  }

  /** Sends the buffered commands (like `Send()`); the raw answer. */
  async send(): Promise<{ status: number; body: unknown }> {
    const data = JSON.stringify(this.cmds);
    this.cmds = [];
    return post(this.endpoint, data, { 'X-API-Sign': sign(this.secret, data) });
  }

  /** One command alone (like `Publish()`, `Presence()`…): its reply, or throws on a bad status. */
  async one(method: string, params: Record<string, unknown> = {}): Promise<Reply> {
    const r = await this.add(method, params).send();
    expect(r.status).toBe(200);
    const replies = r.body as Reply[];
    expect(replies).toHaveLength(1);
    return replies[0];
  }
}

const sign = (secret: string, data: string | Buffer) =>
  createHmac('sha256', secret).update(data).digest('hex');

async function post(url: string, data: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: data,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('the Centrifugo v1 server API, as gocent calls it', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    // Gateways report their statistics often, so `channels` and `stats` see changes soon; the app
    // limit is low enough for one test to exceed it.
    serviceEnv: { gateway: { STATS_INTERVAL_MS: '500' }, 'admin-api': { ADMIN_RATE_LIMIT_PER_APP: '400' } },
  });
  const sockets: Socket[] = [];
  let http: Http;
  let root: string;
  const app = 'gocent-app';
  const other = 'gocent-other';
  let secret = '';
  let otherSecret = '';
  let gocent: Gocent;

  const connect = async (gateway: number, clientID: string, deviceID: string) => {
    const c = await connectClient(stack.url('gateway', gateway), {
      token: stack.clientToken(app, clientID),
      appID: app,
      deviceID,
    });
    sockets.push(c.socket);
    return { socket: c.socket, connectionID: c.ready['connectionID'] };
  };
  const subscribe = async (s: Socket, ...channels: string[]) => {
    const ack = await call<{ results: Record<string, { ok: boolean }> }>(s, 'subscribe', { channels });
    for (const ch of channels) expect(ack.results[ch]?.ok).toBe(true);
  };

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    root = stack.superAdminToken();
    for (const id of [app, other]) {
      const created = await http.post<{ apiSecret: string }>('/v1/apps', {
        token: root,
        body: { appID: id },
      });
      expect(created.status).toBe(201);
      expect(created.body.apiSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    const admin = stack.adminToken(app);
    for (const clientID of ['alice', 'bob', 'carol'])
      expect((await http.post(`/v1/apps/${app}/clients`, { token: admin, body: { clientID } })).status).toBe(
        201,
      );
    for (const [channelID, settings] of [
      ['news', { persistent: true, presence: true }],
      ['chat', { persistent: true }],
      ['plain', {}],
    ] as const) {
      const r = await http.post(`/v1/apps/${app}/channels`, {
        token: admin,
        body: { channelID, ...settings },
      });
      expect(r.status).toBe(201);
    }
    secret = (await http.get<{ apiSecret: string }>(`/v1/apps/${app}`, { token: admin })).body.apiSecret;
    otherSecret = (await http.get<{ apiSecret: string }>(`/v1/apps/${other}`, { token: root })).body
      .apiSecret;
    expect(secret).not.toBe(otherSecret);
    gocent = new Gocent(`${stack.adminUrl}/apps/${app}`, secret);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('shows the API secret to the admins of the app only, never in lists', async () => {
    const got = await http.get(`/v1/apps/${app}`, { token: stack.adminToken(app) });
    expect(got.body).toEqual({
      appID: app,
      name: '',
      ackMode: 'queued',
      createdAt: expect.any(Number),
      apiSecret: secret,
    });
    expect((await http.get(`/v1/apps/${app}`, { token: root })).body).toMatchObject({ apiSecret: secret });
    const list = await http.get<{ apps: object[] }>('/v1/apps', { token: root });
    expect(list.body.apps.length).toBe(2);
    for (const a of list.body.apps) expect(a).not.toHaveProperty('apiSecret');
    const own = await http.get<{ apps: object[] }>('/v1/apps', { token: stack.adminToken(app) });
    expect(own.body.apps).toEqual([expect.not.objectContaining({ apiSecret: expect.anything() })]);
    for (const token of [stack.adminToken(other), stack.clientToken(app, 'alice')]) {
      const refused = await http.get(`/v1/apps/${app}`, { token });
      expect(refused.status).toBe(403);
      expect(refused.text).not.toContain(secret);
    }
    expect((await http.post(`/v1/apps/${app}/api-secret`, { token: stack.adminToken(other) })).status).toBe(
      403,
    );
    expect(
      (await http.post(`/v1/apps/${app}/api-secret`, { token: stack.clientToken(app, 'a') })).status,
    ).toBe(403);
    const original = await http.get<{ Apps: object[] }>('/app', { token: root });
    expect(JSON.stringify(original.body)).not.toContain(secret);
  });

  it('answers a batch mixing good and failing commands in order, each failure in its own reply', async () => {
    const r = await gocent
      .add('publish', { channel: 'chat', data: { input: 'first' } })
      .add('publish', { channel: 'ghost', data: { input: 'lost' } })
      .add('subscribe', { channel: 'chat' })
      .add('publish', { channel: 'chat' })
      .add('history', { channel: 'plain' })
      .add('publish', { channel: 'chat', data: { input: 'second' } })
      .send();
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { method: 'publish', error: null, body: null },
      { method: 'publish', error: 'not_found: channel ghost not found', body: null },
      { method: 'subscribe', error: expect.stringMatching(/^method_not_found: /), body: null },
      { method: 'publish', error: 'bad_request: data: is required', body: null },
      { method: 'history', error: expect.stringMatching(/^not_available: /), body: null },
      { method: 'publish', error: null, body: null },
    ]);
    const history = await gocent.one('history', { channel: 'chat' });
    expect(history.error).toBeNull();
    expect((history.body as { data: { data: unknown }[] }).data.map((m) => m.data)).toEqual([
      { input: 'second' },
      { input: 'first' },
    ]);
  });

  it('publishes to live subscribers on every gateway, stores the event and answers history as gocent reads it', async () => {
    const a = await connect(0, 'alice', 'p-1');
    const b = await connect(1, 'bob', 'p-2');
    await subscribe(a.socket, 'news');
    await subscribe(b.socket, 'news');
    const gotA = collect<Ev>(a.socket, 'event');
    const gotB = collect<Ev>(b.socket, 'event');

    expect(await gocent.one('publish', { channel: 'news', data: { input: 'test' } })).toEqual({
      method: 'publish',
      error: null,
      body: null,
    });
    // PublishClient: the event is sent on behalf of a client.
    expect(
      (await gocent.one('publish', { channel: 'news', data: 'from alice', client: 'alice' })).error,
    ).toBeNull();
    await eventually(() => gotA.length === 2 && gotB.length === 2, 'both events on both gateways');
    expect(gotB.map((e) => [e.channelID, e.eventType, e.payload, e.senderID])).toEqual([
      ['news', 'publish', { input: 'test' }, '$server'],
      ['news', 'publish', 'from alice', 'alice'],
    ]);

    const history = await gocent.one('history', { channel: 'news' });
    expect(history).toEqual({ method: 'history', error: null, body: expect.any(Object) });
    const body = history.body as { channel: string; data: Record<string, unknown>[] };
    expect(body.channel).toBe('news');
    const [fromServer, fromAlice] = gotB;
    // Newest first; timestamps as strings of unix seconds; the sender as `client` and `info`.
    expect(body.data).toEqual([
      {
        uid: fromAlice.id,
        timestamp: String(Math.floor(fromAlice.timestamp / 1000)),
        info: { user: 'alice', client: 'alice' },
        channel: 'news',
        data: 'from alice',
        client: 'alice',
      },
      {
        uid: fromServer.id,
        timestamp: String(Math.floor(fromServer.timestamp / 1000)),
        channel: 'news',
        data: { input: 'test' },
      },
    ]);
    // Stored like any admin publish: /v1 history has the same events.
    const stored = await http.get<{ events: Ev[] }>(`/v1/apps/${app}/channels/news/events`, {
      token: stack.adminToken(app),
    });
    expect(stored.body.events.map((e) => e.id)).toEqual([fromAlice.id, fromServer.id]);
  });

  it('broadcasts one event to several channels', async () => {
    const c = await connect(0, 'carol', 'b-1');
    await subscribe(c.socket, 'news', 'chat');
    const got = collect<Ev>(c.socket, 'event');
    expect(await gocent.one('broadcast', { channels: ['news', 'chat'], data: { all: true } })).toEqual({
      method: 'broadcast',
      error: null,
      body: null,
    });
    await eventually(() => got.length === 2, 'the broadcast on both channels');
    expect(got.map((e) => [e.channelID, e.payload, e.senderID]).sort()).toEqual([
      ['chat', { all: true }, '$server'],
      ['news', { all: true }, '$server'],
    ]);
    const partial = await gocent.one('broadcast', { channels: ['chat', 'ghost'], data: 1 });
    expect(partial.error).toBe('ghost: not_found: channel ghost not found');
  });

  it('answers presence per connection, with user and client, on every gateway', async () => {
    const a1 = await connect(0, 'alice', 'pr-1');
    const a2 = await connect(1, 'alice', 'pr-2');
    const b = await connect(1, 'bob', 'pr-3');
    for (const s of [a1, a2, b]) await subscribe(s.socket, 'news');
    const presence = await gocent.one('presence', { channel: 'news' });
    expect(presence.error).toBeNull();
    const { channel, data } = presence.body as { channel: string; data: Record<string, { user: string }> };
    expect(channel).toBe('news');
    // Connections of the earlier tests may still be subscribed: these three are there.
    expect(data).toMatchObject({
      [a1.connectionID]: { user: 'alice', client: a1.connectionID },
      [a2.connectionID]: { user: 'alice', client: a2.connectionID },
      [b.connectionID]: { user: 'bob', client: b.connectionID },
    });
    a2.socket.close();
    await eventually(async () => {
      const r = await gocent.one('presence', { channel: 'news' });
      const now = (r.body as { data: Record<string, unknown> }).data;
      return !(a2.connectionID in now) && a1.connectionID in now;
    }, 'the closed connection leaves presence');
    expect((await gocent.one('presence', { channel: 'chat' })).error).toBe(
      'not_available: channel chat does not track presence',
    );
  });

  it('lists the channels with live subscribers and one node per live gateway', async () => {
    // A subscriber on each gateway, so that every node has something of this app to report.
    for (const gw of [0, 1]) await subscribe((await connect(gw, 'bob', `st-${gw}`)).socket, 'plain');
    await eventually(async () => {
      const r = await gocent.one('channels');
      return r.error === null && (r.body as { data: string[] }).data.includes('plain');
    }, '"plain" is active');
    const channels = (await gocent.one('channels')).body as { data: string[] };
    expect(channels.data).toEqual(expect.arrayContaining(['news', 'plain']));
    expect(channels.data).not.toContain('ghost');

    const gatewayIDs = stack.all('gateway').map((g) => g.env['GATEWAY_ID']);
    // Each gateway reports every STATS_INTERVAL_MS: wait for reports made after the subscriptions.
    await eventually(async () => {
      const r = await gocent.one('stats');
      const nodes =
        (r.body as { data?: { nodes?: { metrics: Record<string, number> }[] } }).data?.nodes ?? [];
      return nodes.length === gatewayIDs.length && nodes.every((n) => n.metrics['node_num_channels'] > 0);
    }, 'every gateway reports this app');
    const stats = await gocent.one('stats');
    expect(stats.error).toBeNull();
    const { data } = stats.body as {
      data: { nodes: { uid: string; name: string; started_at: number; metrics: Record<string, number> }[] };
    };
    expect(data).toEqual({ nodes: expect.any(Array), metrics_interval: 1 });
    expect(data.nodes.map((n) => n.uid).sort()).toEqual([...gatewayIDs].sort());
    for (const n of data.nodes) {
      expect(n).toEqual({
        uid: n.uid,
        name: n.uid,
        started_at: expect.any(Number),
        metrics: expect.any(Object),
      });
      // Unix seconds of the gateway's start: within the last ten minutes.
      expect(n.started_at).toBeGreaterThan(Date.now() / 1000 - 600);
      expect(n.started_at).toBeLessThanOrEqual(Date.now() / 1000);
      expect(n.metrics['node_num_clients']).toBeGreaterThan(0);
      expect(n.metrics['node_num_channels']).toBeGreaterThan(0);
    }
    // Another app's statistics hold nothing of this one.
    const elsewhere = await new Gocent(`${stack.adminUrl}/apps/${other}`, otherSecret).one('stats');
    const nodes = (elsewhere.body as { data: { nodes: { metrics: Record<string, number> }[] } }).data.nodes;
    expect(nodes.map((n) => n.metrics['node_num_clients'])).toEqual([0, 0]);
  });

  it('unsubscribes a user from a channel and disconnects a user, on every gateway', async () => {
    const c1 = await connect(0, 'carol', 'u-1');
    const c2 = await connect(1, 'carol', 'u-2');
    for (const s of [c1, c2]) await subscribe(s.socket, 'chat');
    const removed = [c1, c2].map((c) => collect<{ channelID: string }>(c.socket, 'remove_channel'));
    expect(await gocent.one('unsubscribe', { channel: 'chat', user: 'carol' })).toEqual({
      method: 'unsubscribe',
      error: null,
      body: null,
    });
    await eventually(() => removed.every((r) => r.length === 1), 'carol unsubscribed on both gateways');
    expect(removed.map((r) => r[0].channelID)).toEqual(['chat', 'chat']);
    const got = [c1, c2].map((c) => collect<Ev>(c.socket, 'event'));
    await gocent.one('publish', { channel: 'chat', data: 'not for carol' });
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((g) => g.length)).toEqual([0, 0]);

    const gone = [c1, c2].map(
      (c) => new Promise<string>((resolve) => c.socket.once('disconnect', (reason) => resolve(reason))),
    );
    expect(await gocent.one('disconnect', { user: 'carol' })).toEqual({
      method: 'disconnect',
      error: null,
      body: null,
    });
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
  });

  it('refuses a wrong or missing signature, another app secret and an unknown app with 401', async () => {
    const data = JSON.stringify([{ uid: '', method: 'channels', params: {} }]);
    const url = `${stack.adminUrl}/apps/${app}/api/`;
    const unauthorized = async (r: Promise<{ status: number; body: unknown }>) => {
      const res = await r;
      expect(res).toEqual({ status: 401, body: errorShape('unauthorized') });
    };
    await unauthorized(post(url, data));
    await unauthorized(post(url, data, { 'X-API-Sign': sign('not-the-secret', data) }));
    await unauthorized(post(url, data, { 'X-API-Sign': sign(otherSecret, data) }));
    await unauthorized(post(url, data, { 'X-API-Sign': sign(secret, `${data} `) }));
    await unauthorized(post(url, data, { 'X-API-Sign': 'zz' }));
    await unauthorized(
      post(`${stack.adminUrl}/apps/no-such-app/api/`, data, { 'X-API-Sign': sign(secret, data) }),
    );
    // The right signature, with and without the trailing slash; a single command object too.
    for (const u of [url, url.slice(0, -1)])
      expect(await post(u, data, { 'X-API-Sign': sign(secret, data) })).toEqual({
        status: 200,
        body: [{ method: 'channels', error: null, body: { data: expect.any(Array) } }],
      });
    const single = JSON.stringify({ method: 'channels', params: {} });
    expect(await post(url, single, { 'X-API-Sign': sign(secret, single) })).toEqual({
      status: 200,
      body: [{ method: 'channels', error: null, body: { data: expect.any(Array) } }],
    });
  });

  it('rotates the secret: the old one is refused at once, the new one works', async () => {
    const rotated = await http.post<{ apiSecret: string }>(`/v1/apps/${app}/api-secret`, {
      token: stack.adminToken(app),
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ apiSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(rotated.body.apiSecret).not.toBe(secret);
    const old = await gocent.add('channels').send();
    expect(old).toEqual({ status: 401, body: errorShape('unauthorized') });
    secret = rotated.body.apiSecret;
    gocent = new Gocent(`${stack.adminUrl}/apps/${app}`, secret);
    expect((await gocent.one('channels')).error).toBeNull();
    expect((await http.get(`/v1/apps/${app}`, { token: root })).body).toMatchObject({ apiSecret: secret });
    expect((await http.post('/v1/apps/no-such-app/api-secret', { token: root })).status).toBe(404);
  });

  it('answers malformed JSON 400 and an oversized body 413, with the error body', async () => {
    const url = `${stack.adminUrl}/apps/${app}/api/`;
    const broken = '[{"uid":"","method":"publish","params":{"channel":"chat",';
    expect(await post(url, broken, { 'X-API-Sign': sign(secret, broken) })).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'body: malformed JSON' } },
    });
    const notCommands = '"publish"';
    expect(await post(url, notCommands, { 'X-API-Sign': sign(secret, notCommands) })).toEqual({
      status: 400,
      body: errorShape('bad_request'),
    });
    const huge = JSON.stringify([
      { uid: '', method: 'publish', params: { channel: 'chat', data: 'x'.repeat(1_100_000) } },
    ]);
    expect(await post(url, huge, { 'X-API-Sign': sign(secret, huge) })).toEqual({
      status: 413,
      body: errorShape('payload_too_large'),
    });
  });

  it("counts each command against the app's rate limit; a batch over what is left is refused whole", async () => {
    const client = new Gocent(`${stack.adminUrl}/apps/${other}`, otherSecret);
    for (let i = 0; i < 300; i++) client.add('channels');
    const first = await client.send();
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(300);
    for (let i = 0; i < 150; i++) client.add('channels');
    const refused = await client.send();
    expect(refused).toEqual({ status: 429, body: errorShape('rate_limited') });
    // The other app's budget is its own.
    expect((await gocent.one('channels')).error).toBeNull();
  });
});
