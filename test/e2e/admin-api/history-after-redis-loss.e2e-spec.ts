import { redisKeys } from '@channels/contracts';
import { BASE_REDIS_URL, eventually, sleep, Stack } from '@channels/testing';
import Redis from 'ioredis';
import { Http } from './support/http';

interface OriginalEvent {
  payload: unknown;
  timestamp: number;
}

/**
 * A channel whose hot window Redis lost (restart without persistence, failover, flush): history is
 * answered from the stored events — the newest N and the newest N since a time alike, repeatedly
 * (from the tail admin-api keeps) — and new publishes show at once above them.
 */
describe('history of a channel whose Redis window was lost', () => {
  const stack = new Stack({ gateways: 0, writers: 1, presences: 0 });
  let http: Http;
  let admin: string;
  let redis: Redis;
  const APP = 'lost';
  const CH = 'tail';

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    redis = new Redis(BASE_REDIS_URL, { lazyConnect: true });
    await redis.connect();
    admin = stack.adminToken(APP);
    await http.post('/app', { token: stack.superAdminToken(), body: { AppID: APP, Name: 'Lost window' } });
    await http.post('/channel', { token: admin, appID: APP, body: { channelID: CH, persistent: true } });
  }, 60_000);
  afterAll(async () => {
    await redis.quit();
    await stack.stop();
  });

  const publish = async (payload: string) => {
    const r = await http.post<{ offset: number; timestamp: number }>(`/channel/${CH}/publish`, {
      token: admin,
      appID: APP,
      body: { payload, eventType: 'e' },
    });
    expect(r.status).toBe(200);
    return r.body;
  };
  const read = async (path: string) => {
    const r = await http.get<{ events: OriginalEvent[] }>(path, { token: admin, appID: APP });
    expect(r.status).toBe(200);
    return r.body.events.map((e) => e.payload);
  };

  it('answers the newest N, and the newest N since a time, from the stored events, then new publishes above them', async () => {
    // Two seconds apart, so "since the second of the later ones" cuts the list.
    for (let i = 1; i <= 4; i++) await publish(`early ${i}`);
    await sleep(1_100);
    const later: { timestamp: number }[] = [];
    for (let i = 1; i <= 4; i++) later.push(await publish(`late ${i}`));
    const since = later[0].timestamp;
    const last5 = ['late 4', 'late 3', 'late 2', 'late 1', 'early 4'];
    const lateOnes = ['late 4', 'late 3', 'late 2', 'late 1'];
    expect(await read(`/last/${CH}/5`)).toEqual(last5);
    expect(await read(`/last/${CH}/10/last/${since}`)).toEqual(lateOnes);

    // Wait until the writer has stored all eight, then lose the channel's stream in Redis.
    const pg = await import('pg');
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const stored = async () => {
        const q = await db.query(
          'SELECT count(*)::int AS n FROM events WHERE app_id = $1 AND channel_id = $2',
          [APP, CH],
        );
        return (q.rows[0] as { n: number }).n;
      };
      await eventually(async () => (await stored()) === 8, 'the writer to store all eight events');
    } finally {
      await db.end();
    }
    const keys = redisKeys(stack.redisPrefix);
    expect(await redis.del(keys.streamMeta(APP, CH), keys.streamWindow(APP, CH))).toBe(2);

    // Read twice: from Postgres, then from the tail admin-api keeps — the same answers as before.
    for (let i = 0; i < 2; i++) {
      expect(await read(`/last/${CH}/5`)).toEqual(last5);
      expect(await read(`/last/${CH}/10/last/${since}`)).toEqual(lateOnes);
      expect(await read(`/last/${CH}/2/last/${since}`)).toEqual(['late 4', 'late 3']);
      expect(await read(`/last/${CH}/10/last/${since + 60}`)).toEqual([]);
    }

    // A new publish continues the offsets in a new epoch — above every offset that may have been
    // seen (stored top + MAX_UNCOMMITTED_EVENTS, 10,000 by default) — and is in the very next answers.
    const next = await publish('after');
    expect(next.offset).toBe(8 + 10_000 + 1);
    expect(await read(`/last/${CH}/5`)).toEqual(['after', ...last5.slice(0, 4)]);
    expect(await read(`/last/${CH}/10/last/${since}`)).toEqual(['after', ...lateOnes]);
    const v1 = await http.get<{ events: { offset: number }[] }>(
      `/v1/apps/${APP}/channels/${CH}/events?order=desc&since=${since * 1000}&limit=3`,
      { token: admin },
    );
    expect(v1.status).toBe(200);
    expect(v1.body.events.map((e) => e.offset)).toEqual([10_009, 8, 7]);
  });
});
