import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { LifecycleService, SERVICE_CONFIG } from '@channels/bootstrap';
import { EVENTS_QUEUE, PERSIST_BATCH_JOB, type PersistBatchJob, type StoredEvent } from '@channels/contracts';
import { type EventWriteResult, EventWriterRepository, type StorageUnavailableError } from '@channels/db';
import {
  BROKER,
  type Broker,
  bullPrefix,
  createRedis,
  PERSIST_BATCH_JOB_OPTIONS,
  REDIS,
  REDIS_KEYS,
  type RedisKeys,
} from '@channels/realtime';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type Redis from 'ioredis';
import type { WriterConfig } from '../config';
import { WriterMetrics } from '../ops/writer-metrics';
import { CommitMarker } from '../outbox/commit-marker';
import { BatchCoalescer, type CoalescerObserver } from './batch-coalescer';
import { DroppedStreams } from './dropped-streams';

/**
 * Consumes the persistence queue: a BullMQ worker holds up to WRITER_CONCURRENCY persist-batch
 * jobs, their events are coalesced into large inserts, and a job completes (and leaves Redis) only
 * once its events are committed or dead-lettered. A job held by a writer that dies is taken over by
 * another (or the restarted) writer after WRITER_LOCK_DURATION_MS; the insert is idempotent, so a
 * job processed twice stores its events once. On shutdown the jobs in flight are finished first.
 *
 * After each commit the channels' durable watermarks are advanced (the hot window may then let go
 * of the committed events) and announced for publishers waiting in "committed" ack mode. A failure
 * there is logged, not retried: the outbox sweeper re-sends what stays uncommitted.
 */
@Injectable()
export class PersistBatchWorker implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PersistBatchWorker.name);
  private readonly coalescer: BatchCoalescer;
  private worker: Worker<PersistBatchJob, void, string> | null = null;
  private workerConnection: Redis | null = null;
  private queue: Queue<PersistBatchJob> | null = null;
  private lastUnavailableLog = 0;
  private lastMarkFailureLog = 0;
  private readonly marker: CommitMarker;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: WriterConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) keys: RedisKeys,
    @Inject(BROKER) broker: Broker,
    private readonly repository: EventWriterRepository,
    private readonly metrics: WriterMetrics,
    private readonly lifecycle: LifecycleService,
  ) {
    const durableChannel = keys.durableChannel();
    const droppedStreams = new DroppedStreams(broker);
    this.marker = new CommitMarker(broker, async (advances) => {
      metrics.watermarkAdvances.inc(advances.length);
      await redis.publish(durableChannel, JSON.stringify(advances));
    });
    this.coalescer = new BatchCoalescer(
      {
        writeBatch: async (events) => {
          const { kept, dropped } = await droppedStreams.filter(events);
          if (dropped > 0) metrics.events.inc({ result: 'deleted_channel' }, dropped);
          const result = await repository.writeBatch(kept);
          await this.marker.mark(kept).catch((e: unknown) => this.markFailed(e));
          return result;
        },
      },
      {
        maxBatchEvents: config.WRITER_MAX_BATCH_EVENTS,
        maxInFlight: config.WRITER_MAX_INFLIGHT_WRITES,
        retryBaseMs: 100,
        retryMaxMs: config.WRITER_RETRY_MAX_DELAY_MS,
      },
      this.observer(),
    );
  }

  onModuleInit(): void {
    // Queue handle for depth/lag gauges (shares the process's command connection).
    this.queue = new Queue<PersistBatchJob>(EVENTS_QUEUE, {
      connection: this.redis,
      prefix: bullPrefix(this.config.REDIS_KEY_PREFIX),
    });
    this.queue.on('error', () => undefined);
    const queue = this.queue;
    this.metrics.queueProbe = {
      counts: async () => {
        const c = await queue.getJobCounts('wait', 'active', 'delayed', 'failed');
        return {
          waiting: c['wait'] ?? 0,
          active: c['active'] ?? 0,
          delayed: c['delayed'] ?? 0,
          failed: c['failed'] ?? 0,
        };
      },
      oldestWaitingSince: () => this.oldestWaitingSince(),
    };
  }

  onApplicationBootstrap(): void {
    this.workerConnection = createRedis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
    this.worker = new Worker<PersistBatchJob, void, string>(EVENTS_QUEUE, (job) => this.process(job), {
      connection: this.workerConnection,
      prefix: bullPrefix(this.config.REDIS_KEY_PREFIX),
      concurrency: this.config.WRITER_CONCURRENCY,
      lockDuration: this.config.WRITER_LOCK_DURATION_MS,
      stalledInterval: this.config.WRITER_LOCK_DURATION_MS,
      // Each takeover after a crash counts; a job is idempotent, so allow many before giving up.
      maxStalledCount: 20,
      removeOnComplete: { count: 0 },
    });
    this.worker.on('error', (e) => this.logger.warn(`queue connection: ${e.message}`));
    this.worker.on('failed', (job, e) => {
      this.metrics.failures.inc({ kind: 'job' });
      this.logger.error(`job ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${e.message}`);
    });
  }

  /** Hands events back to the queue (the outbox sweeper's re-sends), as one persist-batch job. */
  async resend(events: StoredEvent[]): Promise<void> {
    if (!this.queue) throw new Error('queue is not open');
    await this.queue.add(PERSIST_BATCH_JOB, { events, enqueuedAt: Date.now() }, PERSIST_BATCH_JOB_OPTIONS);
  }

  /** Unix ms when the oldest waiting job was added, or null when none waits. */
  async oldestWaitingSince(): Promise<number | null> {
    if (!this.queue) return null;
    // The wait list is pushed on the left: its last element is the oldest job.
    return (await this.queue.getJobs(['wait'], -1, -1))[0]?.timestamp ?? null;
  }

  private markFailed(e: unknown): void {
    this.metrics.failures.inc({ kind: 'watermark' });
    const now = Date.now();
    if (now - this.lastMarkFailureLog >= 5_000) {
      this.lastMarkFailureLog = now;
      this.logger.warn(
        `durable watermark not advanced (${e instanceof Error ? e.message : String(e)}); the outbox sweeper will catch up`,
      );
    }
  }

  /** Readiness: the worker runs, its Redis connection answers and Postgres takes writes. */
  async check(): Promise<void> {
    if (!this.worker?.isRunning()) throw new Error('queue worker is not running');
    await this.workerConnection?.ping();
    if (!this.coalescer.storageAvailable)
      throw new Error('writes to Postgres are failing; retrying with backoff');
  }

  /** Runs before the global Postgres and Redis modules close their clients (see WriterModule). */
  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      // Finish the jobs in flight. If Postgres is down meanwhile, give up the retries after the
      // grace period: those jobs go back to the queue with a retry delay, nothing is dropped.
      const grace = setTimeout(() => this.coalescer.stop(), this.config.SHUTDOWN_TIMEOUT_MS);
      grace.unref();
      if (this.lifecycle.isShuttingDown && !this.coalescer.storageAvailable) this.coalescer.stop();
      await worker.close();
      clearTimeout(grace);
    }
    await this.queue?.close().catch(() => undefined);
    await this.workerConnection?.quit().catch(() => this.workerConnection?.disconnect());
  }

  private async process(job: Job<PersistBatchJob, void, string>): Promise<void> {
    const events: unknown = job.data?.events;
    if (job.name !== PERSIST_BATCH_JOB || !Array.isArray(events)) {
      throw new UnrecoverableError(
        `not a ${PERSIST_BATCH_JOB} job with an events array; kept for inspection`,
      );
    }
    await this.coalescer.submit(events as StoredEvent[]);
  }

  private observer(): CoalescerObserver {
    const m = this.metrics;
    return {
      written: (r: EventWriteResult, events: StoredEvent[], seconds: number) => {
        m.events.inc({ result: 'stored' }, r.inserted);
        if (r.duplicates) m.events.inc({ result: 'duplicate' }, r.duplicates);
        if (r.deadLetters.length) m.events.inc({ result: 'dead_letter' }, r.deadLetters.length);
        m.batchEvents.observe(events.length);
        m.writes.inc({ path: r.copied ? 'copy' : 'insert' });
        m.writeSeconds.observe(seconds);
        const now = Date.now();
        for (const e of events) m.durableLagSeconds.observe(Math.max(0, now - e.timestamp) / 1000);
        for (const d of r.deadLetters) {
          m.deadLetters.inc({ reason: d.reason.split(':')[0] });
          this.logger.warn(
            `dead letter ${d.event.appID}/${d.event.channelID} offset ${d.event.offset} id ${d.event.id}: ${d.reason}`,
          );
        }
      },
      unavailable: (e: StorageUnavailableError, attempt: number, retryInMs: number) => {
        m.failures.inc({ kind: 'unavailable' });
        m.storageAvailable.set(0);
        const now = Date.now();
        if (now - this.lastUnavailableLog >= 5_000) {
          this.lastUnavailableLog = now;
          this.logger.warn(`${e.message}; batch kept, attempt ${attempt}, retrying in ${retryInMs} ms`);
        }
      },
      recovered: () => {
        m.storageAvailable.set(1);
        this.logger.log('writes to Postgres succeed again');
      },
    };
  }
}
