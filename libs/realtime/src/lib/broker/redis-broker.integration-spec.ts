import { redisKeys } from '@channels/contracts';
import Redis from 'ioredis';
import { describeBrokerContract } from './broker.contract';
import { FakeStreamSource } from './fake-stream-source';
import { RedisBroker } from './redis-broker';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:local:'}broker:`;
const clients: Redis[] = [];

afterAll(async () => {
  for (const c of clients) c.disconnect();
});

describeBrokerContract('redis', async (windowSize) => {
  const redis = new Redis(url);
  clients.push(redis);
  const keys = redisKeys(prefix);
  const source = new FakeStreamSource();
  const broker = new RedisBroker(redis, source, { keys, windowSize, idempotencyTtlSeconds: 300 });
  const loseStreams = async () => {
    const found = await redis.keys(`${prefix}s:*`);
    if (found.length) await redis.del(...found);
  };
  return { broker, source, loseStreams };
});
