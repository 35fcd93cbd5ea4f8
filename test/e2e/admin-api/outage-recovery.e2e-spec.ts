import { Stack, TcpProxy } from '@channels/testing';
import { errorShape, eventually, Http } from './support/http';

/**
 * Postgres or Redis going away answers 503 `unavailable` with `Retry-After` on the original routes
 * and `/v1` alike (never a 500, never a 401 — bad credentials stay 401), and the service recovers by
 * itself when they come back — no restart.
 */
describe('Postgres and Redis outages', () => {
  const stack = new Stack({ gateways: 0, writers: 1, presences: 0, adminApi: false });
  const pgProxy = new TcpProxy(5432);
  const redisProxy = new TcpProxy(6379);
  let http: Http;
  let root: string;
  const app = 'outage';

  beforeAll(async () => {
    await stack.start();
    await pgProxy.start();
    await redisProxy.start();
    const svc = await stack.startService('admin-api', {
      DATABASE_URL: pgProxy.url(stack.databaseUrl),
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}/0`,
    });
    http = new Http(svc.url);
    root = stack.superAdminToken();
    expect((await http.post('/v1/apps', { token: root, body: { appID: app } })).status).toBe(201);
    expect(
      (
        await http.post(`/v1/apps/${app}/channels`, {
          token: root,
          body: { channelID: 'ch', persistent: true },
        })
      ).status,
    ).toBe(201);
  }, 60_000);
  afterEach(() => {
    pgProxy.restore();
    redisProxy.restore();
  });

  afterAll(async () => {
    await stack.stop();
    await pgProxy.close();
    await redisProxy.close();
  });

  it('answers 503 while Postgres is unreachable and serves again once it is back', async () => {
    pgProxy.cut();
    const during = await http.get(`/v1/apps/${app}/channels`, { token: root });
    expect({ status: during.status, body: during.body }).toEqual({
      status: 503,
      body: errorShape('unavailable'),
    });
    const original = await http.get('/channel/open', { token: root, appID: app });
    expect({ status: original.status, body: original.body }).toEqual({
      status: 503,
      body: errorShape('unavailable'),
    });
    for (const r of [during, original]) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // Credentials are checked without Postgres: a bad token is still 401 on both route sets.
    for (const r of [
      await http.get(`/v1/apps/${app}/channels`, { token: 'garbage' }),
      await http.get('/channel/open', { token: 'garbage', appID: app }),
    ]) {
      expect({ status: r.status, body: r.body }).toEqual({ status: 401, body: errorShape('unauthorized') });
    }
    // The public readiness answer names the dependency and its state, never the driver's message
    // (hosts, ports): that stays in the service's log.
    const ready = await fetch(`${http.baseUrl}/health/ready`);
    const readyText = await ready.text();
    expect({ status: ready.status, body: JSON.parse(readyText) as unknown }).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { postgres: 'down', redis: 'ok' } },
    });
    expect(readyText).not.toMatch(/127\.0\.0\.1|localhost|\d{4,5}|ECONN|timed out/i);
    pgProxy.restore();
    await eventually(
      async () => (await http.get(`/v1/apps/${app}/channels`, { token: root })).status === 200,
      20_000,
    );
    expect((await http.get('/channel/open', { token: root, appID: app })).status).toBe(200);
  });

  it('answers 503 while Redis is unreachable and serves again once it is back', async () => {
    redisProxy.cut();
    const publish = await http.post(`/v1/apps/${app}/channels/ch/events`, {
      token: root,
      body: { eventType: 'e', payload: 1 },
    });
    expect({ status: publish.status, body: publish.body }).toEqual({
      status: 503,
      body: errorShape('unavailable'),
    });
    expect(Number(publish.headers.get('retry-after'))).toBeGreaterThan(0);
    const original = await http.post('/channel/ch/publish', {
      token: root,
      appID: app,
      body: { eventType: 'e', payload: 1 },
    });
    expect({ status: original.status, body: original.body }).toEqual({
      status: 503,
      body: errorShape('unavailable'),
    });
    const stats = await http.get(`/v1/apps/${app}/stats`, { token: root });
    expect(stats.status).toBe(503);
    // What needs Postgres only is still served (the rate limits count in memory meanwhile).
    expect((await http.get(`/v1/apps/${app}/channels`, { token: root })).status).toBe(200);
    expect((await http.get('/channel/open', { token: root, appID: app })).status).toBe(200);
    for (const r of [
      await http.get(`/v1/apps/${app}/channels`, { token: 'garbage' }),
      await http.get('/channel/open', { token: 'garbage', appID: app }),
    ]) {
      expect({ status: r.status, body: r.body }).toEqual({ status: 401, body: errorShape('unauthorized') });
    }
    redisProxy.restore();
    await eventually(
      async () =>
        (
          await http.post(`/v1/apps/${app}/channels/ch/events`, {
            token: root,
            body: { eventType: 'e', payload: 2 },
          })
        ).status === 201,
      20_000,
    );
    expect((await http.get(`/v1/apps/${app}/stats`, { token: root })).status).toBe(200);
  });

  it('a Redis that hangs does not hold requests that do not need it (rate limits wait a bounded time)', async () => {
    redisProxy.stall();
    const v1 = await http.get(`/v1/apps/${app}/channels`, { token: root });
    const original = await http.get('/channel/open', { token: root, appID: app });
    redisProxy.restore();
    expect([v1.status, original.status]).toEqual([200, 200]);
  });

  it('a channel closed while Redis is down refuses publishing once Redis is back', async () => {
    redisProxy.cut();
    // The change commits in Postgres; its live effects wait for Redis.
    expect((await http.post(`/v1/apps/${app}/channels/ch/close`, { token: root })).status).toBe(200);
    redisProxy.restore();
    const refused = await eventually(async () => {
      const r = await http.post(`/v1/apps/${app}/channels/ch/events`, {
        token: root,
        body: { eventType: 'e', payload: 3 },
      });
      return r.status === 400 ? r : undefined;
    }, 20_000);
    expect(refused.body).toEqual(errorShape('channel_closed'));
  });
});
