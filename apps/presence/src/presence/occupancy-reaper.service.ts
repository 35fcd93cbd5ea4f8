import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import {
  OccupancyReaper,
  REDIS,
  REDIS_KEYS,
  type RedisKeys,
  WEBHOOK_DISPATCH,
  WEBHOOK_SETTINGS,
  type WebhookDispatch,
  type WebhookSettingsCache,
} from '@channels/realtime';
import type Redis from 'ioredis';
import type { PresenceConfig } from '../config';
import { PollingLoop } from './polling-loop';
import { PresenceMetrics } from './presence-metrics';

/** Occupants claimed per look. */
const OCCUPANTS_PER_TICK = 10;

/**
 * Crash safety of channel occupancy (docs/design/webhooks.md): finds gateways whose occupancy lease
 * expired (killed with -9, cut off) and takes them out of every channel they held, queueing
 * `channel_vacated` where one was the last gateway with subscribers. Shared among replicas by
 * claims, like the presence lease reaper.
 */
@Injectable()
export class OccupancyReaperService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OccupancyReaperService.name);
  private readonly reaper: OccupancyReaper;
  private readonly loop: PollingLoop;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_KEYS) keys: RedisKeys,
    @Inject(WEBHOOK_SETTINGS) settings: WebhookSettingsCache,
    @Inject(WEBHOOK_DISPATCH) dispatch: WebhookDispatch,
    @Inject(SERVICE_CONFIG) private readonly config: PresenceConfig,
    private readonly metrics: PresenceMetrics,
  ) {
    this.reaper = new OccupancyReaper(redis, keys, settings, dispatch);
    this.loop = new PollingLoop(
      () => this.tick(),
      (e) => {
        this.metrics.failures.inc({ loop: 'occupancy' });
        this.logger.error(`occupancy cleanup failed: ${String(e)}`);
      },
      config.PRESENCE_REAP_INTERVAL_MS,
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async tick(): Promise<number> {
    const occupants = await this.reaper.claimExpired(OCCUPANTS_PER_TICK, this.config.PRESENCE_CLAIM_MS);
    for (const occupant of occupants) {
      let vacated = 0;
      for (;;) {
        const step = await this.reaper.reap(occupant, this.config.PRESENCE_BATCH_SIZE);
        vacated += step.vacated.length;
        if (step.done) break;
      }
      this.logger.log(`gateway occupant ${occupant} stopped heartbeating: ${vacated} channel(s) vacated`);
    }
    return occupants.length >= OCCUPANTS_PER_TICK ? 0 : this.config.PRESENCE_REAP_INTERVAL_MS;
  }
}
