import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@channels/bootstrap';
import { DbModule, postgresReadiness, PrismaService } from '@channels/db';
import { REDIS, redisReadiness, RedisModule } from '@channels/realtime';
import type Redis from 'ioredis';
import type { WriterConfig } from './config';
import { PersistBatchWorker } from './persist/persist-batch.worker';
import { WriterModule } from './persist/writer.module';

@Module({})
export class AppModule {
  static forRoot(config: WriterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        ServiceKitModule.forRoot({
          service: 'persistence-writer',
          logLevel: config.LOG_LEVEL,
          config,
          readiness: {
            imports: [WriterModule],
            inject: [PrismaService, REDIS, PersistBatchWorker],
            useFactory: (prisma: PrismaService, redis: Redis, worker: PersistBatchWorker) => [
              postgresReadiness(prisma),
              redisReadiness(redis),
              { name: 'queue', check: () => worker.check() },
            ],
          },
        }),
        WriterModule,
      ],
    };
  }
}
