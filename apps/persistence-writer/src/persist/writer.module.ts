import { Module } from '@nestjs/common';
import { WriterMetrics } from '../ops/writer-metrics';
import { RetentionService } from '../retention/retention.service';
import { PersistBatchWorker } from './persist-batch.worker';

/**
 * The writer's own components. Not global: Nest destroys it before the global Postgres and Redis
 * modules, so the batch in flight is finished while their clients are still open.
 */
@Module({
  providers: [WriterMetrics, PersistBatchWorker, RetentionService],
  exports: [PersistBatchWorker],
})
export class WriterModule {}
