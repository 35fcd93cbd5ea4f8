import { baseEnvSchema, databaseEnvSchema, envInt } from '@channels/bootstrap';
import type { z } from 'zod';

/**
 * persistence-writer settings (all from env), besides the shared NODE_ENV, LOG_LEVEL, REDIS_URL,
 * REDIS_KEY_PREFIX, SHUTDOWN_TIMEOUT_MS, DATABASE_URL and DATABASE_POOL_SIZE:
 *
 * - WRITER_PORT (3100): HTTP port of /health/live, /health/ready and /metrics.
 * - WRITER_CONCURRENCY (32): persist-batch jobs one writer holds at once; jobs waiting together
 *   are coalesced into one insert.
 * - WRITER_MAX_BATCH_EVENTS (5000): events per insert statement at most (whole jobs are coalesced
 *   up to this; a single larger job is written whole).
 * - WRITER_MAX_INFLIGHT_WRITES (2): insert statements one writer runs at once.
 * - WRITER_LOCK_DURATION_MS (30000): how long a job held by a writer that died (kill -9) stays
 *   invisible before another writer takes it over; also the stalled-job check interval.
 * - WRITER_RETRY_MAX_DELAY_MS (5000): cap of the exponential backoff while Postgres is unavailable
 *   (the batch is kept and retried until Postgres is back; nothing is dropped).
 * - RETENTION_MAX_AGE_SECONDS (0 = keep forever): default max event age for channels whose
 *   `retention_max_age_seconds` is null (a channel's own value wins; 0 there keeps forever).
 * - RETENTION_MAX_COUNT (0 = unlimited): default number of newest events kept per channel for
 *   channels whose `retention_max_count` is null.
 * - RETENTION_INTERVAL_MS (60000; 0 disables retention): pause between retention passes. One
 *   writer replica runs a pass at a time (Redis lock).
 * - RETENTION_BATCH_SIZE (1000): rows per retention DELETE (each its own short transaction).
 * - OUTBOX_SWEEP_INTERVAL_MS (1000; 0 disables): pause between passes of the outbox sweeper, which
 *   re-sends to the queue the uncommitted events of channels whose durable watermark has not moved
 *   for OUTBOX_STALE_MS (a publisher that died before its hand-off, out-of-order commits).
 * - OUTBOX_STALE_MS (5000): how long a channel may hold uncommitted events without progress before
 *   the sweeper re-sends them.
 * - OUTBOX_SWEEP_CHANNELS (100): channels looked at per pass.
 * - OUTBOX_SWEEP_EVENTS (10000): uncommitted events re-sent per channel per pass at most.
 */
export const writerEnvSchema = baseEnvSchema.extend(databaseEnvSchema.shape).extend({
  WRITER_PORT: envInt(3100, 1, 65535),
  WRITER_CONCURRENCY: envInt(32, 1, 1_000),
  WRITER_MAX_BATCH_EVENTS: envInt(5_000, 1, 100_000),
  WRITER_MAX_INFLIGHT_WRITES: envInt(2, 1, 32),
  WRITER_LOCK_DURATION_MS: envInt(30_000, 1_000, 600_000),
  WRITER_RETRY_MAX_DELAY_MS: envInt(5_000, 100, 600_000),
  RETENTION_MAX_AGE_SECONDS: envInt(0, 0, 100 * 365 * 86_400),
  RETENTION_MAX_COUNT: envInt(0, 0, 2_000_000_000),
  RETENTION_INTERVAL_MS: envInt(60_000, 0, 86_400_000),
  RETENTION_BATCH_SIZE: envInt(1_000, 1, 100_000),
  OUTBOX_SWEEP_INTERVAL_MS: envInt(1_000, 0, 600_000),
  OUTBOX_STALE_MS: envInt(5_000, 100, 3_600_000),
  OUTBOX_SWEEP_CHANNELS: envInt(100, 1, 10_000),
  OUTBOX_SWEEP_EVENTS: envInt(10_000, 1, 1_000_000),
});
export type WriterConfig = z.output<typeof writerEnvSchema>;
