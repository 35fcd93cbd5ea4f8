import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { PRESENCE_STORE, type PresenceStore } from '@channels/realtime';
import type { PresenceConfig } from '../config';
import { PollingLoop } from './polling-loop';
import { PresenceMetrics } from './presence-metrics';

/**
 * Keeps the cluster-wide gauges (online clients, presence channels) current. One replica at a time
 * recomputes them from the store every PRESENCE_STATS_INTERVAL_MS; every replica serves the result.
 */
@Injectable()
export class PresenceStatsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PresenceStatsService.name);
  private readonly loop: PollingLoop;

  constructor(
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    @Inject(SERVICE_CONFIG) private readonly config: PresenceConfig,
    private readonly metrics: PresenceMetrics,
  ) {
    this.loop = new PollingLoop(
      () => this.tick(),
      (e) => {
        this.metrics.failures.inc({ loop: 'stats' });
        this.logger.warn(`presence gauges not refreshed: ${String(e)}`);
      },
      config.PRESENCE_STATS_INTERVAL_MS,
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async tick(): Promise<number> {
    const interval = this.config.PRESENCE_STATS_INTERVAL_MS;
    this.metrics.recordStats(await this.store.stats(interval));
    return interval;
  }
}
