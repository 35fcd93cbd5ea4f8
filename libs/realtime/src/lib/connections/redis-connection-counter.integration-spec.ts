import { randomBytes } from 'node:crypto';
import { redisKeys } from '@channels/contracts';
import { BASE_REDIS_URL, deleteRedisPrefix } from '@channels/testing';
import type Redis from 'ioredis';
import { createRedis } from '../redis/redis.module';
import { RedisConnectionCounter } from './redis-connection-counter';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('RedisConnectionCounter', () => {
  const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:'}cx${randomBytes(4).toString('hex')}:`;
  const keys = redisKeys(prefix);
  const caps = { perClient: 2, perApp: 3 };
  let redis: Redis;
  const connections: Redis[] = [];
  let n = 0;
  const connection = () => {
    const c = redis.duplicate();
    connections.push(c);
    return c;
  };
  /** A gateway process: its own instance id and its own connection (as in production). */
  const gateway = async (leaseMs = 5_000) => {
    const counter = new RedisConnectionCounter(connection(), keys, {
      instance: `gw${++n}`,
      leaseMs,
    });
    await counter.heartbeat();
    return counter;
  };
  const app = () => `app-${randomBytes(3).toString('hex')}`;

  beforeAll(() => {
    redis = createRedis(BASE_REDIS_URL);
  });
  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    for (const c of connections) c.disconnect();
    await redis.quit();
  });

  it("counts a client's connections across gateways and refuses past the cap", async () => {
    const [a, b] = [await gateway(), await gateway()];
    const APP = app();
    expect(await a.acquire(APP, 'alice', caps)).toBeNull();
    expect(await b.acquire(APP, 'alice', caps)).toBeNull();
    expect(await a.acquire(APP, 'alice', caps)).toBe('client');
    expect(await b.acquire(APP, 'alice', caps)).toBe('client');
    // A refused connection holds nothing: one released slot is one admitted connection.
    b.release(APP, 'alice');
    await sleep(50);
    expect(await a.acquire(APP, 'alice', caps)).toBeNull();
    expect(await b.acquire(APP, 'alice', caps)).toBe('client');
  });

  it("counts an app's connections across gateways and clients", async () => {
    const [a, b] = [await gateway(), await gateway()];
    const APP = app();
    expect(await a.acquire(APP, 'c1', caps)).toBeNull();
    expect(await b.acquire(APP, 'c2', caps)).toBeNull();
    expect(await a.acquire(APP, 'c3', caps)).toBeNull();
    expect(await b.acquire(APP, 'c4', caps)).toBe('app');
    // Another app is counted apart.
    expect(await b.acquire(app(), 'c4', caps)).toBeNull();
  });

  it('never lets concurrent connects on several gateways exceed the cap', async () => {
    const gateways = [await gateway(), await gateway(), await gateway()];
    const APP = app();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_v, i) => gateways[i % 3].acquire(APP, 'alice', caps)),
    );
    expect(results.filter((r) => r === null)).toHaveLength(caps.perClient);
  });

  it('stops counting a gateway one lease after its last heartbeat (a crash needs no cleanup)', async () => {
    const dead = await gateway(300);
    const live = await gateway(300);
    const APP = app();
    expect(await dead.acquire(APP, 'alice', caps)).toBeNull();
    expect(await dead.acquire(APP, 'alice', caps)).toBeNull();
    expect(await live.acquire(APP, 'alice', caps)).toBe('client');
    await sleep(400);
    await live.heartbeat();
    expect(await live.acquire(APP, 'alice', caps)).toBeNull();
  });

  it('stops counting a gateway at once when it closes', async () => {
    const leaving = await gateway();
    const other = await gateway();
    const APP = app();
    expect(await leaving.acquire(APP, 'alice', caps)).toBeNull();
    expect(await leaving.acquire(APP, 'alice', caps)).toBeNull();
    expect(await other.acquire(APP, 'alice', caps)).toBe('client');
    await leaving.close();
    expect(await other.acquire(APP, 'alice', caps)).toBeNull();
  });

  it('writes its counts again when its lease was lost (cut off longer than the lease)', async () => {
    const cutOff = await gateway(300);
    const other = await gateway(300);
    const APP = app();
    expect(await cutOff.acquire(APP, 'alice', caps)).toBeNull();
    expect(await cutOff.acquire(APP, 'alice', caps)).toBeNull();
    await sleep(400);
    await other.heartbeat();
    // The expired counts are dropped by the next look at them…
    expect(await other.acquire(APP, 'alice', caps)).toBeNull();
    other.release(APP, 'alice');
    await sleep(50);
    // …and come back with the cut-off gateway's next heartbeat: its two connections still exist.
    await cutOff.heartbeat();
    await other.heartbeat();
    expect(await other.acquire(APP, 'alice', caps)).toBe('client');
  });

  it('retries at the next heartbeat a release the store did not take', async () => {
    const conn = connection();
    const a = new RedisConnectionCounter(conn, keys, { instance: `gw${++n}`, leaseMs: 5_000 });
    await a.heartbeat();
    const b = await gateway();
    const APP = app();
    expect(await a.acquire(APP, 'alice', caps)).toBeNull();
    expect(await a.acquire(APP, 'alice', caps)).toBeNull();
    conn.disconnect(false);
    a.release(APP, 'alice');
    await sleep(50);
    expect(await b.acquire(APP, 'alice', caps)).toBe('client');
    await conn.connect();
    await a.heartbeat();
    expect(await b.acquire(APP, 'alice', caps)).toBeNull();
  });
});
