export * from './lib/redis/redis.module';
