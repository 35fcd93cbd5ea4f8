import { Module } from '@nestjs/common';
import { WebhooksMetrics } from '../ops/webhooks-metrics';
import { ChainSweepService } from './chain-sweep.service';
import { DeliveryProcessor } from './delivery.processor';

/**
 * The service's own components. Not global: Nest destroys it before the global Postgres and Redis
 * modules, so the requests in flight finish (and are recorded) while their clients are still open.
 */
@Module({
  providers: [WebhooksMetrics, DeliveryProcessor, ChainSweepService],
  exports: [DeliveryProcessor],
})
export class DeliveryModule {}
