import { Module } from '@nestjs/common';
import { BROKER, REDIS, REDIS_KEYS, type RedisKeys, RedisBroker } from '@channels/realtime';
import type Redis from 'ioredis';
import { WriterMetrics } from '../ops/writer-metrics';
import { OutboxSweepService } from '../outbox/outbox-sweep.service';
import { RetentionService } from '../retention/retention.service';
import { PersistBatchWorker } from './persist-batch.worker';

/**
 * The writer's own components. Not global: Nest destroys it before the global Postgres and Redis
 * modules, so the batch in flight is finished while their clients are still open.
 */
@Module({
  providers: [
    WriterMetrics,
    PersistBatchWorker,
    RetentionService,
    OutboxSweepService,
    {
      // The writer uses the broker's stream bookkeeping only (watermarks, outbox index, window
      // reads of existing streams); it never publishes nor seeds a stream.
      provide: BROKER,
      inject: [REDIS, REDIS_KEYS],
      useFactory: (redis: Redis, keys: RedisKeys) =>
        new RedisBroker(
          redis,
          {
            seedPosition: () => Promise.reject(new Error('the writer does not seed streams')),
            gate: () => Promise.reject(new Error('the writer does not load channel gates')),
          },
          { keys, windowSize: 1_000, idempotencyTtlSeconds: 300 },
        ),
    },
  ],
  exports: [PersistBatchWorker],
})
export class WriterModule {}
