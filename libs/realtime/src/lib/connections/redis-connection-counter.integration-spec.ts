import { randomBytes } from 'node:crypto';
import { redisKeys } from '@channels/contracts';
import { BASE_REDIS_URL, deleteRedisPrefix } from '@channels/testing';
import type Redis from 'ioredis';
import { createRedis } from '../redis/redis.module';
import { describeConnectionCounterContract } from './connection-counter.contract';
import { RedisConnectionCounter } from './redis-connection-counter';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A fresh key prefix and one Redis connection per gateway process (as in production). */
function redisHarness() {
  const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:'}cx${randomBytes(4).toString('hex')}:`;
  const keys = redisKeys(prefix);
  const connections: Redis[] = [];
  let n = 0;
  const connection = () => {
    const c = createRedis(BASE_REDIS_URL);
    connections.push(c);
    return c;
  };
  return {
    keys,
    connection,
    gateway: async (leaseMs = 5_000, redis: Redis = connection()) => {
      const counter = new RedisConnectionCounter(redis, keys, { instance: `gw${++n}`, leaseMs });
      await counter.heartbeat();
      return counter;
    },
    elapse: sleep,
    close: async () => {
      await deleteRedisPrefix(prefix);
      for (const c of connections) c.disconnect();
    },
  };
}

describeConnectionCounterContract('redis', async () => redisHarness(), { leaseMs: 300, marginMs: 100 });

describe('RedisConnectionCounter', () => {
  it('retries at the next heartbeat a release Redis did not take', async () => {
    const h = redisHarness();
    try {
      const conn = h.connection();
      const a = await h.gateway(5_000, conn);
      const b = await h.gateway();
      const caps = { perClient: 2, perApp: 3 };
      expect(await a.acquire('app', 'alice', caps)).toBeNull();
      expect(await a.acquire('app', 'alice', caps)).toBeNull();
      conn.disconnect(false);
      a.release('app', 'alice');
      await sleep(50);
      expect(await b.acquire('app', 'alice', caps)).toBe('client');
      await conn.connect();
      await a.heartbeat();
      expect(await b.acquire('app', 'alice', caps)).toBeNull();
    } finally {
      await h.close();
    }
  });
});
