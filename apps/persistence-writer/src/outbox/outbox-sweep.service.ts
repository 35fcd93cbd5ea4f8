import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { BROKER, type Broker } from '@channels/realtime';
import type { WriterConfig } from '../config';
import { WriterMetrics } from '../ops/writer-metrics';
import { PersistBatchWorker } from '../persist/persist-batch.worker';
import { OutboxSweeper } from './outbox-sweeper';

/**
 * Runs the outbox sweeper every OUTBOX_SWEEP_INTERVAL_MS (one pass at a time per replica; replicas
 * sweeping the same channel at once only re-send copies the writer ignores).
 */
@Injectable()
export class OutboxSweepService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxSweepService.name);
  private readonly sweeper: OutboxSweeper;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastFailureLog = 0;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: WriterConfig,
    @Inject(BROKER) broker: Broker,
    worker: PersistBatchWorker,
    private readonly metrics: WriterMetrics,
  ) {
    this.sweeper = new OutboxSweeper(
      broker,
      {
        staleMs: config.OUTBOX_STALE_MS,
        channelsPerPass: config.OUTBOX_SWEEP_CHANNELS,
        eventsPerChannel: config.OUTBOX_SWEEP_EVENTS,
      },
      {
        resend: (events) => worker.resend(events),
        oldestWaitingSince: () => worker.oldestWaitingSince(),
      },
    );
  }

  onApplicationBootstrap(): void {
    const interval = this.config.OUTBOX_SWEEP_INTERVAL_MS;
    if (interval <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.pass().finally(() => (this.running = null));
    }, interval);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      const r = await this.sweeper.pass();
      if (r.resent > 0) {
        this.metrics.outboxResent.inc(r.resent);
        this.logger.warn(`re-sent ${r.resent} uncommitted events to the queue`);
      }
      this.metrics.outboxOldestSeconds.set(
        r.oldestSince === null ? 0 : Math.max(0, (Date.now() - r.oldestSince) / 1000),
      );
    } catch (e) {
      const now = Date.now();
      if (now - this.lastFailureLog >= 5_000) {
        this.lastFailureLog = now;
        this.logger.warn(`outbox sweep failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
