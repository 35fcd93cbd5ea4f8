import { redisKeys } from '@channels/contracts';
import { deleteRedisPrefix } from '@channels/testing';
import Redis from 'ioredis';
import { RedisWebhookOutbox } from './redis-webhook-outbox';
import { describeWebhookOutboxContract } from './webhook-outbox.contract';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:local:'}whq:${process.pid}:`;
const redis = new Redis(url);

afterAll(async () => {
  await deleteRedisPrefix(prefix, url);
  await redis.quit();
});

describeWebhookOutboxContract('redis', async () => new RedisWebhookOutbox(redis, redisKeys(prefix)));
