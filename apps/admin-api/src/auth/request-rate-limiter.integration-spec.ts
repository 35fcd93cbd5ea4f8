import { randomBytes } from 'node:crypto';
import { MetricsRegistry } from '@channels/bootstrap';
import { redisKeys, Role } from '@channels/contracts';
import { createRedis } from '@channels/realtime';
import { BASE_REDIS_URL, deleteRedisPrefix } from '@channels/testing';
import type Redis from 'ioredis';
import { adminApiEnvSchema } from '../config';
import { RetryLaterError } from '../http/error-mapping';
import { RequestRateLimiter } from './request-rate-limiter';

describe('RequestRateLimiter', () => {
  const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:'}rl${randomBytes(4).toString('hex')}:`;
  const clients: Redis[] = [];
  const config = adminApiEnvSchema.parse({
    JWT_SECRET: 'integration-secret-0123456789',
    ADMIN_RATE_LIMIT_PER_TOKEN: '5',
    ADMIN_RATE_LIMIT_PER_APP: '8',
    ADMIN_RATE_LIMIT_WINDOW_SECONDS: '60',
    ADMIN_RATE_LIMIT_TIMEOUT_MS: '200',
  });
  /** One admin-api replica's limiter, over its own Redis connection. */
  const replica = async (url = BASE_REDIS_URL, connected = true) => {
    const redis = createRedis(url);
    clients.push(redis);
    if (connected) await redis.ping();
    return new RequestRateLimiter(redis, redisKeys(prefix), config, new MetricsRegistry());
  };
  const admin = (clientID: string) => ({ role: Role.Admin, appID: 'app', clientID });
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof RetryLaterError ? `limited:${e.retryAfterSeconds > 0}` : String(e)),
    );

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it('shares the per-token limit between replicas and says when to retry', async () => {
    const [a, b] = [await replica(), await replica()];
    const p = admin('shared');
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await outcome((i % 2 ? a : b).consume(p, 1, new Map())));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'limited:true', 'limited:true']);
  });

  it('limits an app across its tokens, and counts several points at once', async () => {
    const a = await replica();
    const apps = new Map([['busy', 1]]);
    expect(await outcome(a.consume(admin('x1'), 1, new Map([['busy', 4]])))).toBe('ok');
    expect(await outcome(a.consume(admin('x2'), 4, new Map([['busy', 4]])))).toBe('ok');
    expect(await outcome(a.consume(admin('x3'), 1, apps))).toBe('limited:true');
    expect(await outcome(a.consume(admin('x3'), 1, new Map([['calm', 1]])))).toBe('ok');
  });

  it('keeps limiting in memory when Redis cannot be reached', async () => {
    // Nothing listens on port 1: every Redis call fails.
    const cut = await replica('redis://127.0.0.1:1/0', false);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await outcome(cut.consume(admin('alone'), 1, new Map())));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'limited:true']);
  });
});
