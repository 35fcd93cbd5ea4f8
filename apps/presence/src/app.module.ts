import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@channels/bootstrap';
import { REDIS, redisReadiness, RedisModule, WebhookProducerModule } from '@channels/realtime';
import type Redis from 'ioredis';
import type { PresenceConfig } from './config';
import { PresenceModule } from './presence/presence.module';

@Module({})
export class AppModule {
  static forRoot(config: PresenceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RedisModule.forRoot({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        // client_online / client_offline and the channel_vacated of dead gateways.
        WebhookProducerModule.forRoot(),
        ServiceKitModule.forRoot({
          service: 'presence',
          logLevel: config.LOG_LEVEL,
          config,
          readiness: {
            inject: [REDIS],
            useFactory: (redis: Redis) => [redisReadiness(redis)],
          },
        }),
        PresenceModule,
      ],
    };
  }
}
