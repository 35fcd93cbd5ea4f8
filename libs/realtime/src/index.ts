export * from './lib/redis/redis.module';
export * from './lib/broker/broker.port';
export * from './lib/broker/adapter-message';
export * from './lib/queue/event-queue.port';
export * from './lib/presence/presence-tracker.port';
export * from './lib/control/control-bus.port';
export * from './lib/control/redis-control-bus';
export * from './lib/control/in-memory-control-bus';
