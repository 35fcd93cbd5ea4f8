import type { StoredEvent } from '@channels/contracts';
import { type EventWriteResult, StorageUnavailableError } from '@channels/db';

/** Where coalesced batches go (the Postgres repository in the app, a fake in unit tests). */
export interface BatchSink {
  writeBatch(events: StoredEvent[]): Promise<EventWriteResult>;
}

export interface CoalescerOptions {
  /** Events per write at most; whole submissions are combined up to this. */
  maxBatchEvents: number;
  /** Writes running at once. */
  maxInFlight: number;
  /** Backoff while storage is unavailable: first delay and cap. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface CoalescerObserver {
  written(result: EventWriteResult, events: StoredEvent[], seconds: number): void;
  unavailable(error: StorageUnavailableError, attempt: number, retryInMs: number): void;
  recovered(): void;
}

interface Submission {
  events: StoredEvent[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Raised to submissions whose write was abandoned because the writer is stopping. */
export class CoalescerStoppedError extends Error {
  constructor(cause: unknown) {
    super('writer is stopping while storage is unavailable; the batch goes back to the queue', { cause });
    this.name = 'CoalescerStoppedError';
  }
}

/**
 * Combines the events of jobs that wait together into one write. Idle, a job is written at once;
 * under load, jobs pile up while writes run and the next write takes them all (batch size grows
 * with load). A `submit` resolves once its events are stored or dead-lettered; while storage is
 * unavailable the batch is retried with capped exponential backoff, forever unless stopped.
 */
export class BatchCoalescer {
  private readonly waiting: Submission[] = [];
  private inFlight = 0;
  private scheduled = false;
  private stopping = false;
  private available = true;
  private readonly wakeUps = new Set<() => void>();

  constructor(
    private readonly sink: BatchSink,
    private readonly options: CoalescerOptions,
    private readonly observer: CoalescerObserver,
  ) {}

  /** False while the last write attempt failed for lack of storage. */
  get storageAvailable(): boolean {
    return this.available;
  }

  submit(events: StoredEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      this.schedule();
    });
  }

  /** Abandons retries in progress (their submissions reject); writes that succeed still resolve. */
  stop(): void {
    this.stopping = true;
    for (const wake of this.wakeUps) wake();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Let every job that arrived in this turn join before writing.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch: Submission[] = [];
      let size = 0;
      while (this.waiting.length > 0) {
        const next = this.waiting[0];
        if (batch.length > 0 && size + next.events.length > this.options.maxBatchEvents) break;
        batch.push(next);
        size += next.events.length;
        this.waiting.shift();
      }
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Submission[]): Promise<void> {
    const events = batch.length === 1 ? batch[0].events : batch.flatMap((s) => s.events);
    let delay = this.options.retryBaseMs;
    for (let attempt = 1; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        const result = await this.sink.writeBatch(events);
        if (!this.available) {
          this.available = true;
          this.observer.recovered();
        }
        this.observer.written(result, events, Number(process.hrtime.bigint() - started) / 1e9);
        for (const s of batch) s.resolve();
        return;
      } catch (e) {
        if (!(e instanceof StorageUnavailableError)) {
          for (const s of batch) s.reject(e);
          return;
        }
        this.available = false;
        if (this.stopping) {
          for (const s of batch) s.reject(new CoalescerStoppedError(e));
          return;
        }
        const wait = Math.round(delay * (0.75 + Math.random() * 0.5));
        this.observer.unavailable(e, attempt, wait);
        await this.sleep(wait);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeUps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeUps.add(wake);
    });
  }
}
