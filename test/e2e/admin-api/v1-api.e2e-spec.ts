import Redis from 'ioredis';
import { redisKeys } from '@channels/contracts';
import { Stack } from '@channels/testing';
import { errorShape, Http } from './support/http';

interface Page<T> {
  nextCursor: string | null;
  [key: string]: T[] | string | null;
}
type Ev = {
  id: string;
  offset: number;
  payload: unknown;
  timestamp: number;
  senderID: string;
  channelID: string;
};

/** `/v1`: resources with cursor pagination and filters, publishing, history, live views, batch, docs. */
describe('/v1 API', () => {
  const stack = new Stack({ gateways: 0, writers: 1, presences: 0 });
  let http: Http;
  let root: string;
  let admin: string;
  const app = 'v1app';

  /** Walks every page of a list route with `limit`, returning all items. */
  async function walk<T>(
    path: string,
    key: string,
    limit: number,
    token = admin,
  ): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const r: { status: number; body: Page<T> } = await http.get<Page<T>>(
        `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        {
          token,
        },
      );
      expect(r.status).toBe(200);
      items.push(...(r.body[key] as T[]));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    return { items, pages };
  }

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    root = stack.superAdminToken();
    admin = stack.adminToken(app);
    expect((await http.post('/v1/apps', { token: root, body: { appID: app, name: 'V1' } })).status).toBe(201);
  }, 60_000);
  afterAll(() => stack.stop());

  it('apps: create (201, 409), get, rename, list paginated; an admin lists only its own app', async () => {
    for (const id of ['z1', 'z2', 'z3']) {
      expect(
        (await http.post('/v1/apps', { token: root, body: { appID: id, name: id.toUpperCase() } })).status,
      ).toBe(201);
    }
    const dup = await http.post('/v1/apps', { token: root, body: { appID: 'z1', name: 'again' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual(errorShape('conflict'));
    const got = await http.get('/v1/apps/z2', { token: root });
    expect(got.body).toEqual({
      appID: 'z2',
      name: 'Z2',
      ackMode: 'queued',
      createdAt: expect.any(Number),
      apiSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(
      (await http.patch('/v1/apps/z2', { token: stack.adminToken('z2'), body: { name: 'renamed' } })).body,
    ).toMatchObject({ name: 'renamed' });

    const all = await walk<{ appID: string }>('/v1/apps', 'apps', 2, root);
    expect(all.items.map((a) => a.appID)).toEqual([app, 'z1', 'z2', 'z3'].sort());
    expect(all.pages).toBe(2);
    const own = await http.get<{ apps: { appID: string }[] }>('/v1/apps', { token: stack.adminToken('z3') });
    expect(own.body.apps.map((a) => a.appID)).toEqual(['z3']);

    expect((await http.delete('/v1/apps/z3', { token: root })).status).toBe(204);
    expect((await http.get('/v1/apps/z3', { token: root })).status).toBe(404);
    expect((await http.delete('/v1/apps/z3', { token: root })).status).toBe(404);
  });

  it('clients: create, get, update, search, paginate, delete', async () => {
    for (let i = 0; i < 7; i++) {
      const r = await http.post(`/v1/apps/${app}/clients`, {
        token: admin,
        body: { clientID: `user-${i}`, username: `name${i}`, extra: '{"a":1}' },
      });
      expect(r.status).toBe(201);
    }
    expect(
      (await http.post(`/v1/apps/${app}/clients`, { token: admin, body: { clientID: 'user-0' } })).status,
    ).toBe(409);
    expect(
      (await http.post('/v1/apps/ghost-app/clients', { token: root, body: { clientID: 'x' } })).status,
    ).toBe(404);
    const c = await http.get(`/v1/apps/${app}/clients/user-3`, { token: admin });
    expect(c.body).toEqual({
      appID: app,
      clientID: 'user-3',
      username: 'name3',
      extra: '{"a":1}',
      createdAt: expect.any(Number),
    });
    expect(
      (await http.patch(`/v1/apps/${app}/clients/user-3`, { token: admin, body: { username: 'bob' } })).body,
    ).toMatchObject({ username: 'bob', extra: '{"a":1}' });

    const pages = await walk<{ clientID: string }>(`/v1/apps/${app}/clients`, 'clients', 3);
    expect(pages.items.map((x) => x.clientID)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `user-${i}`));
    expect(pages.pages).toBe(3);
    const search = await http.get<{ clients: { clientID: string }[] }>(`/v1/apps/${app}/clients?search=bob`, {
      token: admin,
    });
    expect(search.body.clients.map((x) => x.clientID)).toEqual(['user-3']);

    expect((await http.delete(`/v1/apps/${app}/clients/user-6`, { token: admin })).status).toBe(204);
    expect((await http.delete(`/v1/apps/${app}/clients/user-6`, { token: admin })).status).toBe(404);
  });

  it('channels: create with settings, filter, paginate, update, close/open, delete', async () => {
    const mk = (channelID: string, extra: object) =>
      http.post(`/v1/apps/${app}/channels`, { token: admin, body: { channelID, ...extra } });
    expect((await mk('news', { persistent: true, name: 'News' })).status).toBe(201);
    expect((await mk('vip', { private: true, persistent: true, presence: true })).status).toBe(201);
    expect((await mk('chat:1', {})).status).toBe(201);
    expect((await mk('chat:2', { presence: true })).status).toBe(201);
    expect((await mk('news', {})).status).toBe(409);

    const got = await http.get(`/v1/apps/${app}/channels/vip`, { token: admin });
    expect(got.body).toEqual({
      appID: app,
      channelID: 'vip',
      name: '',
      persistent: true,
      private: true,
      presence: true,
      isClosed: false,
      extra: '',
      ackMode: null,
      effectiveAckMode: 'queued',
      clientPublish: true,
      joinLeave: true,
      historySize: null,
      historyTTLSeconds: null,
      autoCreated: false,
      createdAt: expect.any(Number),
    });
    const priv = await http.get<{ channels: { channelID: string }[] }>(
      `/v1/apps/${app}/channels?private=true`,
      { token: admin },
    );
    expect(priv.body.channels.map((c) => c.channelID)).toEqual(['vip']);
    const presence = await http.get<{ channels: { channelID: string }[] }>(
      `/v1/apps/${app}/channels?presence=true&private=false`,
      { token: admin },
    );
    expect(presence.body.channels.map((c) => c.channelID)).toEqual(['chat:2']);
    const search = await http.get<{ channels: { channelID: string }[] }>(
      `/v1/apps/${app}/channels?search=chat`,
      { token: admin },
    );
    expect(search.body.channels.map((c) => c.channelID)).toEqual(['chat:1', 'chat:2']);
    const all = await walk<{ channelID: string }>(`/v1/apps/${app}/channels`, 'channels', 1);
    expect(all.items.map((c) => c.channelID)).toEqual(['chat:1', 'chat:2', 'news', 'vip']);

    const upd = await http.patch(`/v1/apps/${app}/channels/chat:1`, {
      token: admin,
      body: { name: 'General', extra: 'x', persistent: true },
    });
    expect(upd.body).toMatchObject({ name: 'General', extra: 'x', persistent: true });
    expect((await http.post(`/v1/apps/${app}/channels/chat:1/close`, { token: admin })).body).toMatchObject({
      isClosed: true,
    });
    const closed = await http.get<{ channels: { channelID: string }[] }>(
      `/v1/apps/${app}/channels?closed=true`,
      { token: admin },
    );
    expect(closed.body.channels.map((c) => c.channelID)).toEqual(['chat:1']);
    const refused = await http.post(`/v1/apps/${app}/channels/chat:1/events`, {
      token: admin,
      body: { eventType: 't', payload: 1 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(errorShape('channel_closed'));
    expect((await http.post(`/v1/apps/${app}/channels/chat:1/open`, { token: admin })).body).toMatchObject({
      isClosed: false,
    });
    expect(
      (
        await http.post(`/v1/apps/${app}/channels/chat:1/events`, {
          token: admin,
          body: { eventType: 't', payload: 1 },
        })
      ).status,
    ).toBe(201);
    // Closing through PATCH refuses publishing too.
    await http.patch(`/v1/apps/${app}/channels/chat:1`, { token: admin, body: { isClosed: true } });
    expect(
      (
        await http.post(`/v1/apps/${app}/channels/chat:1/events`, {
          token: admin,
          body: { eventType: 't', payload: 1 },
        })
      ).status,
    ).toBe(400);

    expect((await http.delete(`/v1/apps/${app}/channels/chat:1`, { token: admin })).status).toBe(204);
    expect((await http.get(`/v1/apps/${app}/channels/chat:1`, { token: admin })).status).toBe(404);
    expect(
      (
        await http.post(`/v1/apps/${app}/channels/chat:1/events`, {
          token: admin,
          body: { eventType: 't', payload: 1 },
        })
      ).status,
    ).toBe(404);
  });

  it('members: add (201, then 200), list paginated, the client sees its channels, remove (204, then 404)', async () => {
    for (const c of ['user-0', 'user-1', 'user-2']) {
      expect((await http.put(`/v1/apps/${app}/channels/vip/members/${c}`, { token: admin })).status).toBe(
        201,
      );
    }
    const again = await http.put(`/v1/apps/${app}/channels/vip/members/user-0`, { token: admin });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ added: false });
    expect((await http.put(`/v1/apps/${app}/channels/vip/members/nobody`, { token: admin })).status).toBe(
      404,
    );
    expect((await http.put(`/v1/apps/${app}/channels/nochan/members/user-0`, { token: admin })).status).toBe(
      404,
    );

    const members = await walk<{ clientID: string }>(`/v1/apps/${app}/channels/vip/members`, 'members', 2);
    expect(members.items.map((m) => m.clientID)).toEqual(['user-0', 'user-1', 'user-2']);
    expect((await http.get(`/v1/apps/${app}/clients/user-1/channels`, { token: admin })).body).toEqual({
      channels: ['vip'],
    });

    expect((await http.delete(`/v1/apps/${app}/channels/vip/members/user-1`, { token: admin })).status).toBe(
      204,
    );
    expect((await http.delete(`/v1/apps/${app}/channels/vip/members/user-1`, { token: admin })).status).toBe(
      404,
    );
    expect((await http.get(`/v1/apps/${app}/clients/user-1/channels`, { token: admin })).body).toEqual({
      channels: [],
    });
  });

  it('publishes (stored, with offsets and idempotency) and broadcasts to many channels', async () => {
    const first = await http.post<{ id: string; offset: number; epoch: string; timestamp: number }>(
      `/v1/apps/${app}/channels/news/events`,
      {
        token: admin,
        body: { eventType: 'headline', payload: { title: 'hello' }, id: 'pub-1' },
      },
    );
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: 'pub-1',
      offset: 1,
      epoch: expect.any(String),
      timestamp: expect.any(Number),
    });
    const dup = await http.post<{ offset: number }>(`/v1/apps/${app}/channels/news/events`, {
      token: admin,
      body: { eventType: 'headline', payload: { title: 'hello' }, id: 'pub-1' },
    });
    expect(dup.body.offset).toBe(1);

    const b = await http.post<{
      results: Record<string, { ok: boolean; offset?: number; error?: { code: string } }>;
    }>(`/v1/apps/${app}/broadcast`, {
      token: admin,
      body: { channels: ['news', 'vip', 'chat:2', 'missing'], eventType: 'alert', payload: 'all hands' },
    });
    expect(b.status).toBe(200);
    expect(Object.keys(b.body.results)).toEqual(['news', 'vip', 'chat:2', 'missing']);
    expect(b.body.results['news']).toMatchObject({ ok: true, offset: 2 });
    expect(b.body.results['vip']).toMatchObject({ ok: true, offset: 1 });
    // Not persistent: delivered live, nothing stored, no offset.
    expect(b.body.results['chat:2']).toMatchObject({ ok: true });
    expect(b.body.results['chat:2'].offset).toBeUndefined();
    expect(b.body.results['missing']).toEqual({
      ok: false,
      error: { code: 'not_found', message: expect.any(String) },
    });
  });

  it('history: by offset and by time, ascending and descending, paginated without gaps or repeats', async () => {
    await http.post(`/v1/apps/${app}/channels`, {
      token: admin,
      body: { channelID: 'hist', persistent: true },
    });
    const acks: { offset: number; timestamp: number }[] = [];
    for (let i = 1; i <= 25; i++) {
      const r = await http.post<{ offset: number; timestamp: number }>(
        `/v1/apps/${app}/channels/hist/events`,
        {
          token: admin,
          body: { eventType: 'n', payload: i },
        },
      );
      acks.push(r.body);
    }
    const path = `/v1/apps/${app}/channels/hist/events`;
    const collect = async (query: string) => {
      const out: Ev[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { status: number; body: { events: Ev[]; nextCursor: string | null; epoch: string } } =
          await http.get<{
            events: Ev[];
            nextCursor: string | null;
            epoch: string;
          }>(`${path}?${query}${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
        expect(r.status).toBe(200);
        expect(typeof r.body.epoch).toBe('string');
        out.push(...r.body.events);
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      return { payloads: out.map((e) => e.payload), pages };
    };
    const range = (a: number, b: number) =>
      Array.from({ length: Math.abs(b - a) + 1 }, (_, i) => (a <= b ? a + i : a - i));

    // Newest first by default.
    const desc = await collect('limit=10');
    expect(desc.payloads).toEqual(range(25, 1));
    expect(desc.pages).toBe(3);
    // Ascending after an offset.
    expect((await collect('limit=7&sinceOffset=10')).payloads).toEqual(range(11, 25));
    // Time range, inclusive on both ends, both orders.
    const since = acks[4].timestamp;
    const until = acks[19].timestamp;
    const asc = await collect(`limit=4&since=${since}&until=${until}&order=asc`);
    expect(asc.payloads[0]).toBeLessThanOrEqual(5);
    expect(asc.payloads).toEqual(
      range(asc.payloads[0] as number, asc.payloads[asc.payloads.length - 1] as number),
    );
    expect(asc.payloads).toEqual(expect.arrayContaining(range(5, 20)));
    const descRange = await collect(`limit=3&since=${since}&until=${until}&order=desc`);
    expect([...descRange.payloads].reverse()).toEqual(asc.payloads);

    const one = await http.get<{ events: Ev[] }>(`${path}?limit=1`, { token: admin });
    expect(one.body.events[0]).toEqual({
      id: expect.any(String),
      channelID: 'hist',
      offset: 25,
      epoch: expect.any(String),
      eventType: 'n',
      payload: 25,
      senderID: 'admin',
      timestamp: expect.any(Number),
    });
    // A cursor made for one order is refused for the other.
    const d = await http.get<{ nextCursor: string }>(`${path}?limit=2`, { token: admin });
    expect(
      (await http.get(`${path}?limit=2&order=asc&cursor=${d.body.nextCursor}`, { token: admin })).status,
    ).toBe(400);
    expect((await http.get(`${path}?cursor=garbage!`, { token: admin })).body).toEqual(
      errorShape('bad_request'),
    );
  });

  it('history stays exact across new publishes and a channel deleted and made again under the same id', async () => {
    const path = `/v1/apps/${app}/channels/again/events`;
    const create = () =>
      http.post(`/v1/apps/${app}/channels`, {
        token: admin,
        body: { channelID: 'again', persistent: true },
      });
    const publish = async (payload: number) =>
      expect((await http.post(path, { token: admin, body: { eventType: 'n', payload } })).status).toBe(201);
    const read = async () => {
      const r = await http.get<{ events: Ev[]; epoch: string }>(`${path}?limit=100`, { token: admin });
      expect(r.status).toBe(200);
      return { payloads: r.body.events.map((e) => e.payload), epoch: r.body.epoch };
    };
    expect((await create()).status).toBe(201);
    for (const n of [1, 2, 3]) await publish(n);
    const first = await read();
    expect(first.payloads).toEqual([3, 2, 1]);
    // Read again after one more publish: the newest event is there (the service's copy of the
    // window is brought up to date by every read).
    await publish(4);
    expect((await read()).payloads).toEqual([4, 3, 2, 1]);
    expect((await read()).payloads).toEqual([4, 3, 2, 1]);

    expect((await http.delete(`/v1/apps/${app}/channels/again`, { token: admin })).status).toBe(204);
    expect((await create()).status).toBe(201);
    expect((await read()).payloads).toEqual([]);
    await publish(10);
    await publish(11);
    const fresh = await read();
    expect(fresh.payloads).toEqual([11, 10]);
    expect(fresh.epoch).not.toBe(first.epoch);
  });

  it('presence of a channel (empty without connections), 404 for an unknown channel', async () => {
    const r = await http.get(`/v1/apps/${app}/channels/vip/presence`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ channelID: 'vip', clientStatus: {}, nextCursor: null });
    expect((await http.get(`/v1/apps/${app}/channels/ghost/presence`, { token: admin })).status).toBe(404);
    const page = await http.get(`/v1/apps/${app}/channels/vip/presence?limit=50`, { token: admin });
    expect(page.body).toEqual({ channelID: 'vip', clientStatus: {}, nextCursor: null });
    for (const q of ['limit=0', 'limit=10001', 'limit=x', 'limit=5&cursor=nope', 'cursor=on:0'])
      expect((await http.get(`/v1/apps/${app}/channels/vip/presence?${q}`, { token: admin })).body).toEqual(
        errorShape('bad_request'),
      );
  });

  it('active channels and connection statistics come from the live gateways only, per app', async () => {
    const redis = new Redis(process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0');
    try {
      const key = redisKeys(stack.redisPrefix).gatewayStats();
      const now = Date.now();
      await redis.hset(key, {
        gwA: JSON.stringify({
          gatewayID: 'gwA',
          connections: 5,
          updatedAt: now,
          apps: {
            [app]: { connections: 3, subscriptions: 4, channels: { news: 3, vip: 1 }, eventsPerSecond: 7.5 },
            other: { connections: 2, subscriptions: 2, channels: { x: 2 }, eventsPerSecond: 2 },
          },
        }),
        gwB: JSON.stringify({
          gatewayID: 'gwB',
          connections: 1,
          updatedAt: now,
          apps: { [app]: { connections: 1, subscriptions: 1, channels: { news: 1 } } },
        }),
        gwDead: JSON.stringify({
          gatewayID: 'gwDead',
          connections: 99,
          updatedAt: now - 60_000,
          apps: { [app]: { connections: 99, subscriptions: 99, channels: { news: 99 } } },
        }),
        // Staleness follows each gateway's stated report interval (three missed reports): one
        // reporting every minute is still there after 100 s, one reporting every second is gone
        // after 10 s.
        gwSlow: JSON.stringify({
          gatewayID: 'gwSlow',
          connections: 1,
          updatedAt: now - 100_000,
          intervalMs: 60_000,
          apps: { other: { connections: 1, subscriptions: 1, channels: { y: 1 } } },
        }),
        gwFastGone: JSON.stringify({
          gatewayID: 'gwFastGone',
          connections: 50,
          updatedAt: now - 10_000,
          intervalMs: 1_000,
          apps: { [app]: { connections: 50, subscriptions: 50, channels: { news: 50 } } },
        }),
      });
      const active = await http.get(`/v1/apps/${app}/active-channels`, { token: admin });
      expect(active.body).toEqual({
        channels: [
          { channelID: 'news', subscribers: 4 },
          { channelID: 'vip', subscribers: 1 },
        ],
        nextCursor: null,
      });
      const paged = await walk<{ channelID: string }>(`/v1/apps/${app}/active-channels`, 'channels', 1);
      expect(paged.items.map((c) => c.channelID)).toEqual(['news', 'vip']);

      const appStats = await http.get(`/v1/apps/${app}/stats`, { token: admin });
      expect(appStats.body).toEqual({
        appID: app,
        connections: 4,
        subscriptions: 5,
        activeChannels: 2,
        gateways: [
          { gatewayID: 'gwA', connections: 3, subscriptions: 4, eventsPerSecond: 7.5, updatedAt: now },
          { gatewayID: 'gwB', connections: 1, subscriptions: 1, eventsPerSecond: 0, updatedAt: now },
        ],
      });
      const cluster = await http.get<{
        connections: number;
        gateways: { gatewayID: string; eventsPerSecond: number }[];
        apps: { appID: string }[];
      }>('/v1/stats', { token: root });
      expect(cluster.body.connections).toBe(7);
      expect(cluster.body.gateways.map((g) => g.gatewayID)).toEqual(['gwA', 'gwB', 'gwSlow']);
      expect(cluster.body.gateways[0]).toMatchObject({ gatewayID: 'gwA', eventsPerSecond: 9.5 });
      expect(cluster.body.apps.map((a) => a.appID)).toEqual(['other', app].sort());
      expect((await http.get('/v1/stats', { token: admin })).status).toBe(403);
    } finally {
      redis.disconnect();
    }
  });

  it('disconnect and unsubscribe are sent to every gateway over the control channel', async () => {
    const sub = new Redis(process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0');
    const received: unknown[] = [];
    try {
      await sub.subscribe(redisKeys(stack.redisPrefix).controlChannel());
      sub.on('message', (_c: string, m: string) => received.push(JSON.parse(m)));
      expect((await http.post(`/v1/apps/${app}/clients/user-0/disconnect`, { token: admin })).body).toEqual({
        ok: true,
      });
      expect(
        (
          await http.post(`/v1/apps/${app}/clients/user-0/unsubscribe`, {
            token: admin,
            body: { channelID: 'news' },
          })
        ).body,
      ).toEqual({ ok: true });
      expect(
        (
          await http.post(`/v1/apps/${app}/clients/user-0/unsubscribe`, {
            token: admin,
            body: { channelID: 'ghost' },
          })
        ).status,
      ).toBe(404);
      const deadline = Date.now() + 5_000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received).toEqual([
        { type: 'disconnect_client', appID: app, clientID: 'user-0' },
        { type: 'unsubscribe_client', appID: app, channelID: 'news', clientID: 'user-0' },
      ]);
    } finally {
      sub.disconnect();
    }
  });

  it('batch: runs commands in order, answers each in order, one failure does not fail the others', async () => {
    const r = await http.post<{
      results: { ok: boolean; result?: Record<string, unknown>; error?: { code: string } }[];
    }>('/v1/batch', {
      token: admin,
      body: {
        commands: [
          { method: 'create_channel', params: { appID: app, channelID: 'batch-ch', persistent: true } },
          { method: 'publish', params: { appID: app, channelID: 'batch-ch', eventType: 'a', payload: 1 } },
          { method: 'publish', params: { appID: app, channelID: 'nope', eventType: 'a', payload: 2 } },
          { method: 'publish', params: { appID: app, channelID: 'batch-ch', eventType: 'a', payload: 3 } },
          { method: 'history', params: { appID: app, channelID: 'batch-ch', limit: 10, order: 'asc' } },
          { method: 'presence', params: { appID: app, channelID: 'batch-ch' } },
          { method: 'broadcast', params: { appID: app, channels: ['batch-ch'], eventType: 'b', payload: 4 } },
          { method: 'stats', params: { appID: app } },
          { method: 'active_channels', params: { appID: app } },
          { method: 'add_member', params: { appID: app, channelID: 'batch-ch', clientID: 'user-2' } },
          {
            method: 'publish',
            params: { appID: 'someone-else', channelID: 'x', eventType: 'a', payload: 1 },
          },
          { method: 'no_such_method', params: {} },
          { method: 'publish', params: { appID: app, channelID: 'batch-ch' } },
          'not an object',
          { method: 'delete_channel', params: { appID: app, channelID: 'batch-ch' } },
        ],
      },
    });
    expect(r.status).toBe(200);
    const res = r.body.results;
    expect(res).toHaveLength(15);
    expect(res[0]).toMatchObject({ ok: true, result: { channelID: 'batch-ch', persistent: true } });
    expect(res[1]).toMatchObject({ ok: true, result: { offset: 1 } });
    expect(res[2]).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(res[3]).toMatchObject({ ok: true, result: { offset: 2 } });
    expect((res[4].result?.['events'] as { payload: unknown }[]).map((e) => e.payload)).toEqual([1, 3]);
    expect(res[5]).toMatchObject({ ok: true, result: { channelID: 'batch-ch', clientStatus: {} } });
    expect(res[6]).toMatchObject({ ok: true, result: { results: { 'batch-ch': { ok: true, offset: 3 } } } });
    expect(res[7]).toMatchObject({ ok: true, result: { appID: app } });
    expect(res[8]).toMatchObject({ ok: true, result: { channels: expect.any(Array) } });
    expect(res[9]).toMatchObject({ ok: true, result: { added: true } });
    expect(res[10]).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(res[11]).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(res[12]).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/eventType/) },
    });
    expect(res[13]).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(res[14]).toMatchObject({ ok: true });
    expect((await http.get(`/v1/apps/${app}/channels/batch-ch`, { token: admin })).status).toBe(404);

    expect((await http.post('/v1/batch', { token: admin, body: { commands: [] } })).status).toBe(400);
    expect(
      (
        await http.post('/v1/batch', {
          token: admin,
          body: { commands: Array(101).fill({ method: 'stats', params: { appID: app } }) },
        })
      ).status,
    ).toBe(400);
  });

  it('serves its OpenAPI document and browsable docs without a token', async () => {
    const doc = await http.get<{ openapi: string; paths: Record<string, unknown> }>('/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v1/apps/{appID}/channels/{channelID}/events');
    const page = await http.get('/v1/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/v1/openapi.json');
    const js = await http.get('/v1/docs/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect(js.text.length).toBeGreaterThan(100_000);
    expect((await http.get('/v1/docs/../../package.json')).status).toBe(404);
  });

  it('every documented route exists and requires a token', async () => {
    const doc = await http.get<{ paths: Record<string, Record<string, unknown>> }>('/v1/openapi.json');
    const fill = (p: string) =>
      p.replace('{appID}', app).replace('{channelID}', 'news').replace('{clientID}', 'user-0');
    for (const [path, ops] of Object.entries(doc.body.paths)) {
      for (const method of Object.keys(ops)) {
        const r = await http.request(method.toUpperCase(), fill(path), method === 'get' ? {} : { body: {} });
        expect({ route: `${method} ${path}`, status: r.status, body: r.body }).toEqual({
          route: `${method} ${path}`,
          status: 401,
          body: errorShape('unauthorized'),
        });
      }
    }
  });
});
