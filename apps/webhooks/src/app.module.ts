import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@channels/bootstrap';
import { DbModule, postgresReadiness, PrismaService } from '@channels/db';
import { REDIS, redisReadiness, RedisModule, WebhookProducerModule } from '@channels/realtime';
import type Redis from 'ioredis';
import type { WebhooksConfig } from './config';
import { DeliveryModule } from './delivery/delivery.module';
import { DeliveryProcessor } from './delivery/delivery.processor';

@Module({})
export class AppModule {
  static forRoot(config: WebhooksConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        // The outbox, settings copy and dispatch (the worker hands each chain's next head on).
        WebhookProducerModule.forRoot(),
        ServiceKitModule.forRoot({
          service: 'webhooks',
          logLevel: config.LOG_LEVEL,
          config,
          readiness: {
            imports: [DeliveryModule],
            inject: [PrismaService, REDIS, DeliveryProcessor],
            useFactory: (prisma: PrismaService, redis: Redis, processor: DeliveryProcessor) => [
              postgresReadiness(prisma),
              redisReadiness(redis),
              { name: 'queue', check: () => processor.check() },
            ],
          },
        }),
        DeliveryModule,
      ],
    };
  }
}
