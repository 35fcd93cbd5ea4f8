import { EVENTS_QUEUE, PERSIST_BATCH_JOB, type PersistBatchJob, type StoredEvent } from '@channels/contracts';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createRedis } from '../redis/redis.module';
import type { EventQueue } from './event-queue.port';
import { MicroBatcher } from './micro-batcher';
import { bullPrefix, PERSIST_BATCH_JOB_OPTIONS } from './queue-options';

export interface BullmqEventQueueOptions {
  redisUrl: string;
  /** The deployment's REDIS_KEY_PREFIX; the queue lives under `${keyPrefix}bull`. */
  keyPrefix: string;
  /** Events per job at most (default 500). */
  maxBatchEvents?: number;
  /** Longest an event waits for its batch to fill before the job is added (default 2 ms). */
  maxDelayMs?: number;
  /** A hand-off Redis has not confirmed within this time rejects (default 5,000 ms). */
  handOffTimeoutMs?: number;
}

/**
 * Producer side of the persistence queue. Events are micro-batched into ONE BullMQ job per batch
 * (`EVENTS_QUEUE`, job `PERSIST_BATCH_JOB`). `enqueue` resolves only once Redis confirmed the add
 * of the job holding the event, and rejects when it failed or timed out — in which case the event
 * may or may not be queued, so callers retry (the writer stores each event once whatever the
 * number of copies). Owns its Redis connection; `close()` hands off pending events first.
 */
export class BullmqEventQueue implements EventQueue {
  private readonly connection: Redis;
  private readonly queue: Queue<PersistBatchJob, unknown, string>;
  private readonly batcher: MicroBatcher<StoredEvent>;
  private readonly handOffTimeoutMs: number;
  private closing: Promise<void> | null = null;

  constructor(options: BullmqEventQueueOptions) {
    this.connection = createRedis(options.redisUrl);
    this.queue = new Queue<PersistBatchJob, unknown, string>(EVENTS_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(options.keyPrefix),
      defaultJobOptions: PERSIST_BATCH_JOB_OPTIONS,
    });
    // Errors surface through the rejected hand-offs; the connection heals by itself.
    this.queue.on('error', () => undefined);
    this.handOffTimeoutMs = options.handOffTimeoutMs ?? 5_000;
    this.batcher = new MicroBatcher(
      { maxBatch: options.maxBatchEvents ?? 500, maxDelayMs: options.maxDelayMs ?? 2 },
      (events) => this.addJob(events),
    );
  }

  enqueue(event: StoredEvent): Promise<void> {
    return this.batcher.add(event);
  }

  private async addJob(events: StoredEvent[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`persistence queue did not confirm within ${this.handOffTimeoutMs} ms`)),
        this.handOffTimeoutMs,
      );
    });
    try {
      await Promise.race([this.queue.add(PERSIST_BATCH_JOB, { events, enqueuedAt: Date.now() }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Hands off pending events, then closes the queue and its connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.batcher.drain();
      await this.queue.close().catch(() => undefined);
      await this.connection.quit().catch(() => this.connection.disconnect());
    })();
    return this.closing;
  }

  /** Nest calls this on shutdown when the queue is a provider: nothing pending is lost. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
