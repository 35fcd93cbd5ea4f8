import { baseEnvSchema, databaseEnvSchema, envInt } from '@channels/bootstrap';
import { z } from 'zod';

/**
 * webhooks service settings (all from env), besides the shared NODE_ENV, LOG_LEVEL, REDIS_URL,
 * REDIS_KEY_PREFIX, SHUTDOWN_TIMEOUT_MS, DATABASE_URL and DATABASE_POOL_SIZE:
 *
 * - WEBHOOKS_PORT (3300): HTTP port of /health/live, /health/ready and /metrics.
 * - WEBHOOKS_CONCURRENCY (64): deliveries one replica sends at once (every app together).
 * - WEBHOOK_TIMEOUT_MS (10000): a receiver that has not answered within this long failed the attempt.
 * - WEBHOOK_ATTEMPTS (12): attempts before a delivery fails for good (a dead letter, retryable
 *   through the API); the next delivery of its channel goes then.
 * - WEBHOOK_BACKOFF_MS (1000) and WEBHOOK_BACKOFF_MAX_MS (600000): the wait after the n-th failed
 *   attempt is WEBHOOK_BACKOFF_MS × 2^(n-1), at most the max, with ±20 % jitter. With the defaults
 *   a receiver may be down for about an hour before its first webhook fails for good.
 * - WEBHOOK_APP_CONCURRENCY (8): requests to one app in flight at once across every replica, so one
 *   slow receiver holds at most this many workers.
 * - WEBHOOK_APP_RATE_PER_SEC (200; 0: none): requests started per second per app across replicas.
 * - WEBHOOK_SWEEP_INTERVAL_MS (5000) and WEBHOOK_STALE_MS (10000): how often, and after how long
 *   without change, chains are checked for a head nobody is sending (a producer that died between
 *   queueing a webhook and handing it on); such heads are handed on again.
 * - WEBHOOK_SETTINGS_SYNC_MS (60000): how often the settings producers read in Redis are re-written
 *   from Postgres (heals a lost write or a Redis that lost its data).
 * - WEBHOOKS_LOCK_DURATION_MS (30000): how long a delivery held by a replica that died stays
 *   invisible before another replica takes it over (above WEBHOOK_TIMEOUT_MS).
 */
export const webhooksEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend({
    WEBHOOKS_PORT: envInt(3300, 1, 65535),
    WEBHOOKS_CONCURRENCY: envInt(64, 1, 1_000),
    WEBHOOK_TIMEOUT_MS: envInt(10_000, 100, 120_000),
    WEBHOOK_ATTEMPTS: envInt(12, 1, 100),
    WEBHOOK_BACKOFF_MS: envInt(1_000, 10, 3_600_000),
    WEBHOOK_BACKOFF_MAX_MS: envInt(600_000, 10, 86_400_000),
    WEBHOOK_APP_CONCURRENCY: envInt(8, 1, 1_000),
    WEBHOOK_APP_RATE_PER_SEC: envInt(200, 0, 1_000_000),
    WEBHOOK_SWEEP_INTERVAL_MS: envInt(5_000, 100, 600_000),
    WEBHOOK_STALE_MS: envInt(10_000, 100, 3_600_000),
    WEBHOOK_SETTINGS_SYNC_MS: envInt(60_000, 1_000, 3_600_000),
    WEBHOOKS_LOCK_DURATION_MS: envInt(30_000, 1_000, 600_000),
  })
  .refine((c) => c.WEBHOOKS_LOCK_DURATION_MS > c.WEBHOOK_TIMEOUT_MS, {
    message: 'must be greater than WEBHOOK_TIMEOUT_MS',
    path: ['WEBHOOKS_LOCK_DURATION_MS'],
  })
  .refine((c) => c.WEBHOOK_BACKOFF_MAX_MS >= c.WEBHOOK_BACKOFF_MS, {
    message: 'must be at least WEBHOOK_BACKOFF_MS',
    path: ['WEBHOOK_BACKOFF_MAX_MS'],
  });
export type WebhooksConfig = z.output<typeof webhooksEnvSchema>;
