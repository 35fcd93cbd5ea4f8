import { Fixtures, type RunningService, Stack, TcpProxy } from '@channels/testing';
import { errorShape, Http, type Reply } from './support/http';

const PER_TOKEN = 6;
const PER_APP = 10;

/**
 * admin-api's request rate limits hold across replicas (counted in Redis): per token and per app,
 * on the original routes and `/v1` alike, a batch counting each command. Past a limit: 429
 * `rate_limited` with `Retry-After`. With Redis down a replica keeps limiting on its own.
 */
describe('admin-api rate limits shared by two replicas', () => {
  const stack = new Stack({ gateways: 0, adminApi: false, writers: 0, presences: 0 });
  const redisProxy = new TcpProxy(6379);
  const limits = {
    ADMIN_RATE_LIMIT_PER_TOKEN: String(PER_TOKEN),
    ADMIN_RATE_LIMIT_PER_APP: String(PER_APP),
    ADMIN_RATE_LIMIT_WINDOW_SECONDS: '60',
  };
  let replicas: Http[];
  let viaProxy: Http;
  let fx: Fixtures;

  const expectLimited = (r: Reply) => {
    expect({ status: r.status, body: r.body }).toEqual({ status: 429, body: errorShape('rate_limited') });
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  };

  beforeAll(async () => {
    await stack.start();
    await redisProxy.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    for (const app of ['tok', 'busy', 'calm', 'batch', 'cut']) await fx.app(app);
    const started: RunningService[] = [
      await stack.startService('admin-api', limits),
      await stack.startService('admin-api', limits),
    ];
    replicas = started.map((s) => new Http(s.url));
    const cut = await stack.startService('admin-api', {
      ...limits,
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}/0`,
    });
    viaProxy = new Http(cut.url);
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
    await stack.stop();
    await redisProxy.close();
  });

  it('limits a token across replicas and both route sets, then answers 429 with Retry-After', async () => {
    const token = stack.adminToken('tok', 'ops');
    for (let i = 0; i < PER_TOKEN; i++) {
      const http = replicas[i % 2];
      const r =
        i % 3 === 0
          ? await http.get('/channel/open', { token, appID: 'tok' })
          : await http.get('/v1/apps/tok/channels', { token });
      expect(r.status).toBe(200);
    }
    expectLimited(await replicas[0].get('/v1/apps/tok/channels', { token }));
    expectLimited(await replicas[1].get('/channel/open', { token, appID: 'tok' }));
    // Another identity has a count of its own; a bad token is still 401, never 429.
    expect(
      (await replicas[0].get('/v1/apps/tok/channels', { token: stack.adminToken('tok', 'other') })).status,
    ).toBe(200);
    expect((await replicas[1].get('/v1/apps/tok/channels', { token: 'garbage' })).status).toBe(401);
  });

  it('limits an app across its tokens and replicas; other apps are not affected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_APP + 2; i++) {
      const token = stack.adminToken('busy', `admin-${i % 3}`);
      statuses.push((await replicas[i % 2].get('/v1/apps/busy/channels', { token })).status);
    }
    expect(statuses.slice(0, PER_APP)).toEqual(Array(PER_APP).fill(200));
    expect(statuses.slice(PER_APP)).toEqual([429, 429]);
    expect(
      (await replicas[0].get('/v1/apps/calm/channels', { token: stack.adminToken('calm') })).status,
    ).toBe(200);
  });

  it('counts each command of a batch', async () => {
    const token = stack.adminToken('batch', 'batcher');
    const command = { method: 'presence', params: { appID: 'batch', channelID: 'none' } };
    const batch = (n: number, http = replicas[0], t = token) =>
      http.post('/v1/batch', { token: t, body: { commands: Array(n).fill(command) } });
    expect((await batch(4)).status).toBe(200);
    expect((await replicas[1].get('/v1/apps/batch/channels', { token })).status).toBe(200);
    expect((await replicas[0].get('/v1/apps/batch/channels', { token })).status).toBe(200);
    expectLimited(await batch(1, replicas[1]));
    // A batch larger than what is left of a fresh token's window is refused whole.
    expectLimited(await batch(PER_TOKEN + 1, replicas[1], stack.adminToken('batch', 'greedy')));
  });

  it('keeps serving and limiting on its own while its Redis is down', async () => {
    const token = stack.adminToken('cut', 'ops');
    redisProxy.cut();
    try {
      // Listing channels needs Postgres only: served, and still limited (in this replica's memory).
      const statuses: number[] = [];
      for (let i = 0; i < PER_TOKEN + 1; i++) {
        statuses.push((await viaProxy.get('/v1/apps/cut/channels', { token })).status);
      }
      expect(statuses).toEqual([...Array(PER_TOKEN).fill(200), 429]);
    } finally {
      redisProxy.restore();
    }
  });
});
