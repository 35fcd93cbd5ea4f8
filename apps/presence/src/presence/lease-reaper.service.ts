import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { type ExpiredLease, PRESENCE_STORE, type PresenceStore } from '@channels/realtime';
import type { PresenceConfig } from '../config';
import { PollingLoop } from './polling-loop';
import { PresenceMetrics } from './presence-metrics';

/** Leases claimed per look. */
const LEASES_PER_TICK = 10;

/**
 * Crash safety: finds gateway leases that expired (their gateway stopped heartbeating: crash,
 * kill -9, partition) and removes their connections as if they had left at the gateway's last
 * heartbeat; the transition loop then announces offline whoever has no connection left once the
 * grace period has run. Shared among replicas by claims, like the transition loop.
 */
@Injectable()
export class LeaseReaper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LeaseReaper.name);
  private readonly loop: PollingLoop;

  constructor(
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    @Inject(SERVICE_CONFIG) private readonly config: PresenceConfig,
    private readonly metrics: PresenceMetrics,
  ) {
    this.loop = new PollingLoop(
      () => this.tick(),
      (e) => {
        this.metrics.failures.inc({ loop: 'reaper' });
        this.logger.error(`presence lease cleanup failed: ${String(e)}`);
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

  /** One look; resolves to how long to wait before the next. */
  async tick(): Promise<number> {
    const leases = await this.store.claimExpiredLeases(LEASES_PER_TICK, this.config.PRESENCE_CLAIM_MS);
    for (const lease of leases) await this.reap(lease);
    return leases.length >= LEASES_PER_TICK ? 0 : this.config.PRESENCE_REAP_INTERVAL_MS;
  }

  private async reap(lease: ExpiredLease): Promise<void> {
    if (lease.expiredAt !== null)
      this.metrics.reaperLag.observe(Math.max(0, lease.claimedAt - lease.expiredAt) / 1000);
    let removed = 0;
    for (;;) {
      const step = await this.store.reap(
        lease,
        this.config.PRESENCE_BATCH_SIZE,
        this.config.PRESENCE_CLAIM_MS,
      );
      removed += step.removed;
      this.metrics.connectionsReaped.inc(step.removed);
      if (step.done) break;
    }
    this.metrics.leasesReaped.inc();
    this.logger.log(
      `gateway ${lease.gatewayID} stopped heartbeating: ${removed} presence connections ended at ${new Date(lease.lastSeen).toISOString()}`,
    );
  }
}
