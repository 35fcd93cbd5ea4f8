import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@channels/bootstrap';
import { DbModule, PrismaService } from '@channels/db';
import { REDIS, RedisModule } from '@channels/realtime';
import type Redis from 'ioredis';
import type { AdminApiConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: AdminApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        ServiceKitModule.forRoot({
          service: 'admin-api',
          logLevel: config.LOG_LEVEL,
          config,
          readiness: {
            inject: [PrismaService, REDIS],
            useFactory: (prisma: PrismaService, redis: Redis) => [
              { name: 'postgres', check: () => prisma.ping() },
              { name: 'redis', check: async () => void (await redis.ping()) },
            ],
          },
        }),
      ],
    };
  }
}
