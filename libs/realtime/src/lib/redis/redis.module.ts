import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { redisKeys, type RedisKeys } from '@channels/contracts';
import Redis, { type RedisOptions as IORedisOptions } from 'ioredis';

export interface RedisOptions {
  url: string;
  keyPrefix: string;
}
export const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');
/** The process's shared ioredis command connection (not for blocking commands or subscriptions). */
export const REDIS = Symbol('REDIS');
/** Key builders bound to this deployment's prefix. */
export const REDIS_KEYS = Symbol('REDIS_KEYS');

/** Creates an ioredis connection that retries forever with backoff (outages heal by themselves). */
export function createRedis(url: string, extra: IORedisOptions = {}): Redis {
  return new Redis(url, {
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    ...extra,
  });
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Module({})
export class RedisModule {
  static forRoot(options: RedisOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        { provide: REDIS_OPTIONS, useValue: options },
        { provide: REDIS, useFactory: () => createRedis(options.url) },
        { provide: REDIS_KEYS, useValue: redisKeys(options.keyPrefix) },
        RedisCloser,
      ],
      exports: [REDIS_OPTIONS, REDIS, REDIS_KEYS],
    };
  }
}

export type { RedisKeys };

/** Readiness check of a service that needs Redis. */
export const redisReadiness = (redis: Redis) => ({
  name: 'redis',
  check: async () => void (await redis.ping()),
});
