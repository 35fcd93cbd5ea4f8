import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@channels/bootstrap';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Reads the queue's state at scrape time. */
export interface QueueProbe {
  /** Jobs per state (waiting, active, delayed, failed). */
  counts(): Promise<Record<string, number>>;
  /** Unix ms when the oldest waiting job was added, or null when none waits. */
  oldestWaitingSince(): Promise<number | null>;
}

/** What the writer exposes on /metrics (queue gauges are filled at scrape time from `queueProbe`). */
@Injectable()
export class WriterMetrics {
  readonly events: Counter<'result'>;
  readonly batchEvents: Histogram;
  readonly writes: Counter<'path'>;
  readonly writeSeconds: Histogram;
  readonly durableLagSeconds: Histogram;
  readonly failures: Counter<'kind'>;
  readonly deadLetters: Counter<'reason'>;
  readonly storageAvailable: Gauge;
  readonly retentionDeleted: Counter<'rule'>;
  readonly queueJobs: Gauge<'state'>;
  readonly queueLagSeconds: Gauge;
  readonly outboxResent: Counter;
  readonly outboxOldestSeconds: Gauge;
  readonly watermarkAdvances: Counter;
  queueProbe: QueueProbe | null = null;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.events = new Counter({
      name: 'channels_writer_events_total',
      help: 'Events taken from the queue, by result (stored, duplicate, dead_letter, deleted_channel: its channel was deleted before it was stored); rate() gives rows/s',
      labelNames: ['result'],
      registers,
    });
    this.batchEvents = new Histogram({
      name: 'channels_writer_batch_events',
      help: 'Events per insert statement (after coalescing jobs)',
      buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000],
      registers,
    });
    this.writes = new Counter({
      name: 'channels_writer_writes_total',
      help: 'Coalesced batches written, by path (copy: the fast path; insert: a batch with duplicates, orphans or poison rows)',
      labelNames: ['path'],
      registers,
    });
    this.writeSeconds = new Histogram({
      name: 'channels_writer_write_seconds',
      help: 'Time to store one coalesced batch (successful attempts)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.durableLagSeconds = new Histogram({
      name: 'channels_writer_durable_lag_seconds',
      help: 'From publish (event timestamp) to the event committed in Postgres',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.failures = new Counter({
      name: 'channels_writer_failures_total',
      help: 'Failed write attempts (unavailable: Postgres down, retried; job: a job failed back to the queue)',
      labelNames: ['kind'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'channels_writer_dead_letters_total',
      help: 'Events recorded in dead_letters, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.storageAvailable = new Gauge({
      name: 'channels_writer_storage_available',
      help: '1 while writes to Postgres succeed, 0 while the writer is backing off',
      registers,
    });
    this.storageAvailable.set(1);
    this.retentionDeleted = new Counter({
      name: 'channels_writer_retention_deleted_total',
      help: 'Events deleted by retention, by rule (age, count)',
      labelNames: ['rule'],
      registers,
    });
    this.outboxResent = new Counter({
      name: 'channels_writer_outbox_resent_events_total',
      help: 'Uncommitted events the outbox sweeper re-sent to the queue (publisher died before its hand-off, out-of-order commits)',
      registers,
    });
    this.outboxOldestSeconds = new Gauge({
      name: 'channels_writer_outbox_oldest_seconds',
      help: 'Age of the oldest channel entry in the outbox index, as of the last sweep (0 when empty)',
      registers,
    });
    this.watermarkAdvances = new Counter({
      name: 'channels_writer_watermark_advances_total',
      help: "Channels' durable watermarks moved after commits",
      registers,
    });
    const probe = () => this.queueProbe;
    this.queueJobs = new Gauge({
      name: 'channels_writer_queue_jobs',
      help: 'Persist-batch jobs in the queue, by state (waiting, active, delayed, failed)',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await probe()
          ?.counts()
          .catch(() => null);
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
      },
    });
    this.queueLagSeconds = new Gauge({
      name: 'channels_writer_queue_lag_seconds',
      help: 'Age of the oldest job waiting in the queue (0 when none waits)',
      registers,
      async collect() {
        const since = await probe()
          ?.oldestWaitingSince()
          .catch(() => null);
        this.set(since ? Math.max(0, (Date.now() - since) / 1000) : 0);
      },
    });
  }
}
