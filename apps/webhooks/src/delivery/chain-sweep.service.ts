import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { WEBHOOKS_QUEUE } from '@channels/contracts';
import { WebhookRepository } from '@channels/db';
import {
  bullPrefix,
  deliverJobId,
  REDIS,
  WEBHOOK_DISPATCH,
  WEBHOOK_OUTBOX,
  WEBHOOK_SETTINGS,
  type WebhookDispatch,
  type WebhookOutbox,
  type WebhookSettingsCache,
} from '@channels/realtime';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { WebhooksConfig } from '../config';
import { WebhooksMetrics } from '../ops/webhooks-metrics';
import { ChainSweeper } from './chain-sweeper';

/** Chains looked at per sweep pass. */
const SWEEP_CHAINS = 500;

/**
 * The service's two periodic chores: the chain sweep (`ChainSweeper`) every
 * WEBHOOK_SWEEP_INTERVAL_MS, and the re-write of the settings producers read in Redis from
 * Postgres every WEBHOOK_SETTINGS_SYNC_MS (and at boot).
 */
@Injectable()
export class ChainSweepService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChainSweepService.name);
  private readonly sweeper: ChainSweeper;
  private readonly queue: Queue;
  private sweepTimer?: NodeJS.Timeout;
  private syncTimer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: WebhooksConfig,
    @Inject(REDIS) redis: Redis,
    @Inject(WEBHOOK_OUTBOX) outbox: WebhookOutbox,
    @Inject(WEBHOOK_DISPATCH) dispatch: WebhookDispatch,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettingsCache,
    private readonly repository: WebhookRepository,
    private readonly metrics: WebhooksMetrics,
  ) {
    this.queue = new Queue(WEBHOOKS_QUEUE, {
      connection: redis,
      prefix: bullPrefix(config.REDIS_KEY_PREFIX),
    });
    this.queue.on('error', () => undefined);
    this.sweeper = new ChainSweeper({
      outbox,
      dispatch,
      hasJob: async (id) => (await this.queue.getJob(deliverJobId(id))) !== undefined,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.sweepTimer = setInterval(
      () => this.serially(() => this.sweep()),
      this.config.WEBHOOK_SWEEP_INTERVAL_MS,
    );
    this.syncTimer = setInterval(
      () => this.serially(() => this.sync()),
      this.config.WEBHOOK_SETTINGS_SYNC_MS,
    );
    this.sweepTimer.unref();
    this.syncTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    clearInterval(this.syncTimer);
    await this.running;
    await this.queue.close().catch(() => undefined);
  }

  /** One sweep pass; answers the heads handed on again. */
  async sweep(): Promise<number> {
    try {
      const n = await this.sweeper.sweep(Date.now(), this.config.WEBHOOK_STALE_MS, SWEEP_CHAINS);
      if (n > 0) {
        this.metrics.sweptHeads.inc(n);
        this.logger.warn(`handed on ${n} webhook chain head(s) nobody was sending`);
      }
      return n;
    } catch (e) {
      this.metrics.failures.inc({ kind: 'sweep' });
      this.logger.warn(`webhook chain sweep failed: ${String(e)}`);
      return 0;
    }
  }

  /** Re-writes every app's webhook types into Redis from Postgres. */
  async sync(): Promise<void> {
    try {
      await this.settings.mirrorAll(await this.repository.allTypes());
    } catch (e) {
      this.metrics.failures.inc({ kind: 'sync' });
      this.logger.warn(
        `webhook settings sync failed: ${String(e)}; retried in ${this.config.WEBHOOK_SETTINGS_SYNC_MS} ms`,
      );
    }
  }

  private serially(task: () => Promise<unknown>): void {
    this.running = this.running.then(task, task);
  }
}
