import type { PersistBatchJob, StoredEvent } from '@channels/contracts';
import type { EventQueue } from './event-queue.port';
import { MicroBatcher } from './micro-batcher';

/**
 * In-process `EventQueue` for unit tests: batches like the BullMQ adapter and keeps every handed-off
 * batch in `batches`. `failHandOffs(error)` makes hand-offs fail until `failHandOffs(null)`.
 */
export class InMemoryEventQueue implements EventQueue {
  readonly batches: PersistBatchJob[] = [];
  private failure: Error | null = null;
  private readonly batcher: MicroBatcher<StoredEvent>;

  constructor(options: { maxBatchEvents?: number; maxDelayMs?: number } = {}) {
    this.batcher = new MicroBatcher(
      { maxBatch: options.maxBatchEvents ?? 500, maxDelayMs: options.maxDelayMs ?? 2 },
      async (events) => {
        if (this.failure) throw this.failure;
        this.batches.push({ events, enqueuedAt: Date.now() });
      },
    );
  }

  /** Every event handed off so far, in hand-off order. */
  get events(): StoredEvent[] {
    return this.batches.flatMap((b) => b.events);
  }

  failHandOffs(error: Error | null): void {
    this.failure = error;
  }

  enqueue(event: StoredEvent): Promise<void> {
    return this.batcher.add(event);
  }

  close(): Promise<void> {
    return this.batcher.drain();
  }
}
