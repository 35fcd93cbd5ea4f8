import { Module, type DynamicModule } from '@nestjs/common';
import { TokenVerifier } from '@channels/auth';
import { ServiceKitModule } from '@channels/bootstrap';
import { DbModule, postgresReadiness, PrismaService } from '@channels/db';
import { MessagingModule } from '@channels/messaging';
import {
  PRESENCE_TRACKER,
  REDIS,
  redisReadiness,
  REDIS_KEYS,
  type RedisKeys,
  RedisModule,
  RedisPresenceTracker,
  WebhookProducerModule,
} from '@channels/realtime';
import type Redis from 'ioredis';
import { AuthGuard } from './auth/auth.guard';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { RequestRateLimiter } from './auth/request-rate-limiter';
import { ADMIN_API_CONFIG, type AdminApiConfig } from './config';
import { DashboardController } from './dashboard/dashboard.controller';
import { OriginalAppsController } from './original/original-apps.controller';
import { OriginalChannelsController } from './original/original-channels.controller';
import { OriginalClientsController } from './original/original-clients.controller';
import { OriginalHistoryController } from './original/original-history.controller';
import { AppsService } from './resources/apps.service';
import { ChannelsService } from './resources/channels.service';
import { NamespacesService } from './resources/namespaces.service';
import { ClientsService } from './resources/clients.service';
import { DirectoryInvalidation } from './resources/directory-invalidation';
import { EventsService } from './resources/events.service';
import { LiveEffects } from './resources/live-effects.service';
import { MembersService } from './resources/members.service';
import { RealtimeAdminService } from './resources/realtime-admin.service';
import { WebhooksService } from './resources/webhooks.service';
import { ServerApiCommands } from './server-api/server-api.commands';
import { ServerApiController } from './server-api/server-api.controller';
import { ServerApiService } from './server-api/server-api.service';
import { GatewayStatsReader } from './stats/gateway-stats.reader';
import { BatchCommands } from './v1/batch.commands';
import { BatchController } from './v1/batch.controller';
import { DocsController } from './v1/docs.controller';
import { V1AppsController } from './v1/v1-apps.controller';
import { V1ChannelsController } from './v1/v1-channels.controller';
import { V1NamespacesController } from './v1/v1-namespaces.controller';
import { V1ClientsController } from './v1/v1-clients.controller';
import { V1ClusterController } from './v1/v1-cluster.controller';
import { V1EventsController } from './v1/v1-events.controller';
import { V1WebhooksController } from './v1/v1-webhooks.controller';

@Module({})
export class AppModule {
  static forRoot(config: AdminApiConfig): DynamicModule {
    return {
      module: AppModule,
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
          directoryCacheMs: config.DIRECTORY_CACHE_MS,
          queueBatchMaxEvents: 500,
          queueBatchMaxDelayMs: 2,
        }),
        WebhookProducerModule.forRoot(),
        ServiceKitModule.forRoot({
          service: 'admin-api',
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
      controllers: [
        OriginalAppsController,
        OriginalClientsController,
        OriginalChannelsController,
        OriginalHistoryController,
        V1AppsController,
        V1ClientsController,
        V1ChannelsController,
        V1NamespacesController,
        V1EventsController,
        V1ClusterController,
        V1WebhooksController,
        BatchController,
        ServerApiController,
        DocsController,
        DashboardController,
      ],
      providers: [
        { provide: ADMIN_API_CONFIG, useValue: config },
        {
          provide: TokenVerifier,
          useFactory: () =>
            new TokenVerifier({
              secret: config.JWT_SECRET,
              ...(config.JWT_PUBLIC_KEY ? { publicKey: config.JWT_PUBLIC_KEY } : {}),
            }),
        },
        {
          provide: PRESENCE_TRACKER,
          inject: [REDIS, REDIS_KEYS],
          useFactory: (redis: Redis, keys: RedisKeys) => new RedisPresenceTracker(redis, keys),
        },
        AuthGuard,
        RequestRateLimiter,
        RateLimitGuard,
        LiveEffects,
        DirectoryInvalidation,
        GatewayStatsReader,
        AppsService,
        ClientsService,
        ChannelsService,
        NamespacesService,
        MembersService,
        EventsService,
        RealtimeAdminService,
        WebhooksService,
        BatchCommands,
        ServerApiCommands,
        ServerApiService,
      ],
    };
  }
}
