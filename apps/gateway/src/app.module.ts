import { randomBytes } from 'node:crypto';
import { type DynamicModule, Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { TokenVerifier } from '@channels/auth';
import { ServiceKitModule } from '@channels/bootstrap';
import { DbModule, postgresReadiness, PrismaService } from '@channels/db';
import {
  CORE_METRICS,
  MessagingModule,
  REALTIME_CORE_OPTIONS,
  realtimeCoreProviders,
} from '@channels/messaging';
import {
  CHANNEL_FEED,
  CONNECTION_COUNTER,
  OCCUPANCY_TRACKER,
  PRESENCE_TRACKER,
  REDIS,
  redisReadiness,
  REDIS_KEYS,
  RedisConnectionCounter,
  RedisModule,
  RedisChannelFeed,
  RedisChannelOccupancy,
  RedisPresenceTracker,
  type RedisKeys,
  WEBHOOK_DISPATCH,
  WEBHOOK_SETTINGS,
  type WebhookDispatch,
  WebhookProducerModule,
  type WebhookSettingsCache,
} from '@channels/realtime';
import type Redis from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import type { GatewayConfig } from './config';
import { Admission } from './core/admission.service';
import { FeedRecovery, feedConnectionName } from './core/feed-recovery.service';
import { OptimizedServer } from './optimized/optimized-server.service';
import { SseController } from './sse/sse.controller';
import { ConnectionLimits } from './ops/connection-limits.service';
import { DrainService } from './ops/drain.service';
import { GatewayMetrics } from './ops/gateway-metrics';
import { OutboundGuard } from './ops/outbound-guard.service';
import { OccupancyHeartbeat } from './ops/occupancy-heartbeat.service';
import { PresenceHeartbeat } from './ops/presence-heartbeat.service';
import { StatsReporter } from './ops/stats-reporter.service';
import { ClientCallsHandler } from './socket/client-calls.handler';
import { SocketServer } from './socket/socket-server.service';

@Module({})
export class AppModule implements OnApplicationBootstrap {
  constructor(
    @Inject(SocketServer) private readonly sockets: SocketServer,
    @Inject(OptimizedServer) private readonly optimized: OptimizedServer,
  ) {}

  /** The transports attach before the HTTP server listens (runService listens after bootstrap). */
  async onApplicationBootstrap(): Promise<void> {
    await this.sockets.start();
    this.optimized.start();
  }

  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [SseController],
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        MessagingModule.forRoot({
          maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
          hotWindowSize: config.HOT_WINDOW_SIZE,
          historyMirrorBytes: config.HISTORY_MIRROR_MB * 1_048_576,
          idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
          maxUncommittedEvents: config.MAX_UNCOMMITTED_EVENTS,
          commitAckTimeoutMs: config.COMMIT_ACK_TIMEOUT_MS,
          hookMaxInFlightPerApp: config.HOOK_MAX_IN_FLIGHT_PER_APP,
          // Each refresh is a Postgres query per cached channel (≈ 1 ms of the gateway's CPU,
          // more while its code is cold); control messages make long trust safe.
          directoryCacheMs: config.DIRECTORY_REFRESH_MS,
          queueBatchMaxEvents: 500,
          queueBatchMaxDelayMs: 2,
        }),
        WebhookProducerModule.forRoot(),
        ServiceKitModule.forRoot({
          service: 'gateway',
          logLevel: config.LOG_LEVEL,
          config,
          readiness: {
            inject: [PrismaService, REDIS],
            useFactory: (prisma: PrismaService, redis: Redis) => [
              postgresReadiness(prisma),
              redisReadiness(redis),
            ],
          },
        }),
      ],
      providers: [
        {
          provide: PRESENCE_TRACKER,
          inject: [REDIS, REDIS_KEYS],
          useFactory: (redis: Redis, keys: RedisKeys) =>
            new RedisPresenceTracker(redis, keys, { leaseMs: config.PRESENCE_LEASE_MS }),
        },
        {
          provide: TokenVerifier,
          useFactory: () =>
            new TokenVerifier({
              secret: config.JWT_SECRET,
              ...(config.JWT_PUBLIC_KEY ? { publicKey: config.JWT_PUBLIC_KEY } : {}),
            }),
        },
        {
          provide: REALTIME_CORE_OPTIONS,
          useValue: {
            gatewayID: config.GATEWAY_ID,
            maxChannelsPerConnection: config.MAX_CHANNELS_PER_CONNECTION,
            recoveryMaxEvents: config.RECOVERY_MAX_EVENTS,
            tokenExpiryLeewayMs: config.TOKEN_EXPIRY_LEEWAY_MS,
            tokenRefreshNoticeMs: config.TOKEN_REFRESH_NOTICE_MS,
          },
        },
        { provide: CORE_METRICS, useExisting: GatewayMetrics },
        {
          // The channel feed's own subscriber connection (sharded pub/sub on node-redis), named so
          // that it can be found in CLIENT LIST.
          provide: CHANNEL_FEED,
          useFactory: async () => {
            const client = createClient({
              url: config.REDIS_URL,
              name: feedConnectionName(config.GATEWAY_ID),
            }) as RedisClientType;
            client.on('error', () => undefined);
            await client.connect();
            return new RedisChannelFeed(client, config.REDIS_KEY_PREFIX);
          },
        },
        {
          // Exact channel occupancy across gateways (channel_occupied / channel_vacated webhooks).
          provide: OCCUPANCY_TRACKER,
          inject: [REDIS, REDIS_KEYS, WEBHOOK_SETTINGS, WEBHOOK_DISPATCH],
          useFactory: (
            redis: Redis,
            keys: RedisKeys,
            settings: WebhookSettingsCache,
            dispatch: WebhookDispatch,
          ) => {
            const logger = new Logger('ChannelOccupancy');
            return new RedisChannelOccupancy(redis, keys, settings, dispatch, {
              // A restarted gateway is a new occupant: the previous run's channels are vacated
              // once its lease expires.
              occupant: `${config.GATEWAY_ID}.${randomBytes(6).toString('base64url')}`,
              leaseMs: config.PRESENCE_LEASE_MS,
              onError: (e, what) => logger.warn(`${what}: ${String(e)}; retried with the next heartbeat`),
            });
          },
        },
        ...realtimeCoreProviders,
        Admission,
        FeedRecovery,
        {
          provide: CONNECTION_COUNTER,
          inject: [REDIS, REDIS_KEYS],
          useFactory: (redis: Redis, keys: RedisKeys) =>
            new RedisConnectionCounter(redis, keys, {
              // A restarted gateway is a new instance: the counts of its previous run expire with
              // that run's lease instead of being taken over.
              instance: `${config.GATEWAY_ID}.${randomBytes(6).toString('base64url')}`,
              leaseMs: config.PRESENCE_LEASE_MS,
            }),
        },
        ConnectionLimits,
        GatewayMetrics,
        ClientCallsHandler,
        SocketServer,
        OptimizedServer,
        StatsReporter,
        OutboundGuard,
        PresenceHeartbeat,
        OccupancyHeartbeat,
        DrainService,
      ],
    };
  }
}
