import { Module } from '@nestjs/common';
import { PRESENCE_STORE, REDIS, REDIS_KEYS, type RedisKeys, RedisPresenceStore } from '@channels/realtime';
import type Redis from 'ioredis';
import { LeaseReaper } from './lease-reaper.service';
import { OccupancyReaperService } from './occupancy-reaper.service';
import { PresenceMetrics } from './presence-metrics';
import { PresenceStatsService } from './presence-stats.service';
import { PresenceWebhooks } from './presence-webhooks';
import { TransitionWorker } from './transition-worker.service';

/** The presence service's loops over the Redis presence store (and the occupancy of dead gateways). */
@Module({
  providers: [
    {
      provide: PRESENCE_STORE,
      inject: [REDIS, REDIS_KEYS],
      useFactory: (redis: Redis, keys: RedisKeys) => new RedisPresenceStore(redis, keys),
    },
    PresenceMetrics,
    TransitionWorker,
    LeaseReaper,
    PresenceStatsService,
    PresenceWebhooks,
    OccupancyReaperService,
  ],
})
export class PresenceModule {}
