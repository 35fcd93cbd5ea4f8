import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import {
  PRESENCE_STORE,
  type PresenceRules,
  type PresenceStore,
  type SettleResult,
} from '@channels/realtime';
import type { PresenceConfig } from '../config';
import { PollingLoop } from './polling-loop';
import { PresenceMetrics } from './presence-metrics';
import { PresenceWebhooks } from './presence-webhooks';

/**
 * Decides and announces online/offline transitions: claims the (channel, client) pairs whose state
 * changed or whose grace period ends, and settles them; each announced transition is also queued as
 * a `client_online` / `client_offline` webhook. Any number of replicas run this loop on the
 * same store; claims keep them from doing the same work, and a dead replica's claims expire after
 * PRESENCE_CLAIM_MS.
 */
@Injectable()
export class TransitionWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TransitionWorker.name);
  private readonly rules: PresenceRules;
  private readonly loop: PollingLoop;

  constructor(
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    @Inject(SERVICE_CONFIG) private readonly config: PresenceConfig,
    private readonly metrics: PresenceMetrics,
    private readonly webhooks: PresenceWebhooks,
  ) {
    this.rules = {
      graceMs: config.PRESENCE_GRACE_MS,
      offlineKeep: config.PRESENCE_OFFLINE_KEEP,
      offlineRetentionMs: config.PRESENCE_OFFLINE_RETENTION_MS,
    };
    this.loop = new PollingLoop(
      () => this.tick(),
      (e) => {
        this.metrics.failures.inc({ loop: 'transitions' });
        this.logger.error(`presence evaluation failed: ${String(e)}`);
      },
      config.PRESENCE_POLL_MS,
    );
  }

  onApplicationBootstrap(): void {
    this.logger.log(
      `presence replica ${this.config.PRESENCE_ID}: grace ${this.rules.graceMs} ms, claims ${this.config.PRESENCE_CLAIM_MS} ms`,
    );
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One batch; resolves to how long to wait before the next (0 when more work is due now). */
  async tick(): Promise<number> {
    const batch = this.config.PRESENCE_BATCH_SIZE;
    const items = await this.store.claimDue(batch, this.config.PRESENCE_CLAIM_MS);
    if (items.length > 0) {
      const result = await this.store.settle(items, this.rules);
      this.record(result);
      if (result.transitions.length > 0) await this.webhooks.announce(result.transitions);
      return items.length >= batch ? 0 : 1;
    }
    const next = await this.store.nextDueAt();
    if (next === null) return this.config.PRESENCE_POLL_MS;
    const wait = next - (await this.store.now());
    return Math.max(1, Math.min(wait, this.config.PRESENCE_POLL_MS));
  }

  private record(result: SettleResult): void {
    this.metrics.evaluations.inc(result.evaluated);
    this.metrics.recordTransitions(result.transitions);
    if (result.failed > 0) {
      this.metrics.failures.inc({ loop: 'transitions' }, result.failed);
      this.logger.warn(`${result.failed} presence evaluations failed; retried once their claim expires`);
    }
    for (const t of result.transitions) {
      this.logger.debug(`${t.appID}/${t.channelID}: ${t.clientID} ${t.status ? 'online' : 'offline'}`);
    }
  }
}
