import { type DynamicModule, Module } from '@nestjs/common';
import { ChannelRepository, EventRepository } from '@channels/db';
import {
  BROKER,
  type Broker,
  BullmqEventQueue,
  CONTROL_BUS,
  createRedis,
  DURABLE_WAITER,
  EVENT_QUEUE,
  REDIS,
  REDIS_KEYS,
  REDIS_OPTIONS,
  RedisBroker,
  RedisControlBus,
  RedisDurableWaiter,
  type RedisKeys,
  type RedisOptions,
} from '@channels/realtime';
import type Redis from 'ioredis';
import { ChannelAccess } from './channel-access.service';
import { ChannelDirectory } from './channel-directory.service';
import { ChannelGateService } from './channel-gate.service';
import { HistoryService } from './history.service';
import { MetricsRegistry } from '@channels/bootstrap';
import { HOOK_METRICS, HOOK_OPTIONS, HookCaller } from './hooks/hook-caller.service';
import { prometheusHookMetrics } from './hooks/hook-metrics';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { PublishService } from './publish.service';
import { PostgresStreamSource } from './stream-source';
import { TokenRevocations } from './token-revocations.service';
import { WindowMirror } from './window-mirror';

const services = [
  ChannelDirectory,
  ChannelAccess,
  PublishService,
  HistoryService,
  ChannelGateService,
  TokenRevocations,
  HookCaller,
];

/**
 * The publish/history path shared by gateways and admin-api. Needs DbModule and RedisModule.
 * Adapters are chosen here once: Redis broker, BullMQ event queue, Redis control bus.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: HOOK_OPTIONS, useValue: { maxInFlightPerApp: options.hookMaxInFlightPerApp ?? 64 } },
        {
          // The service's registry (ServiceKitModule), when there is one.
          provide: HOOK_METRICS,
          inject: [{ token: MetricsRegistry, optional: true }],
          useFactory: (m?: MetricsRegistry) => (m ? prometheusHookMetrics(m.registry) : undefined),
        },
        {
          provide: BROKER,
          inject: [REDIS, REDIS_KEYS, ChannelRepository, EventRepository],
          useFactory: (redis: Redis, keys: RedisKeys, channels: ChannelRepository, events: EventRepository) =>
            new RedisBroker(redis, new PostgresStreamSource(channels, events), {
              keys,
              windowSize: options.hotWindowSize,
              idempotencyTtlSeconds: options.idempotencyTtlSeconds,
              ...(options.maxUncommittedEvents !== undefined
                ? { maxUncommitted: options.maxUncommittedEvents }
                : {}),
            }),
        },
        {
          provide: EVENT_QUEUE,
          inject: [REDIS_OPTIONS],
          useFactory: (redis: RedisOptions) =>
            new BullmqEventQueue({
              redisUrl: redis.url,
              keyPrefix: redis.keyPrefix,
              maxBatchEvents: options.queueBatchMaxEvents,
              maxDelayMs: options.queueBatchMaxDelayMs,
            }),
        },
        {
          // Its subscriber connection opens on the first wait ("committed" ack mode) only.
          provide: DURABLE_WAITER,
          inject: [BROKER, REDIS_OPTIONS, REDIS_KEYS],
          useFactory: (broker: Broker, redis: RedisOptions, keys: RedisKeys) =>
            new RedisDurableWaiter(broker, () => createRedis(redis.url), keys.durableChannel()),
        },
        {
          provide: CONTROL_BUS,
          inject: [REDIS, REDIS_KEYS],
          useFactory: (redis: Redis, keys: RedisKeys) => new RedisControlBus(redis, keys.controlChannel()),
        },
        {
          provide: WindowMirror,
          inject: [BROKER],
          useFactory: (broker: Broker) => new WindowMirror(broker, options.historyMirrorBytes ?? 0),
        },
        ...services,
      ],
      exports: [MESSAGING_OPTIONS, BROKER, EVENT_QUEUE, CONTROL_BUS, DURABLE_WAITER, ...services],
    };
  }
}
