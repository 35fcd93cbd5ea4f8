import type { StoredEvent } from '@channels/contracts';

/** Injection token of the `EventQueue`. */
export const EVENT_QUEUE = Symbol('EVENT_QUEUE');

/**
 * Hand-off of stored events to the persistence writer. `enqueue` resolves only once the event is
 * durable in the queue (Redis); implementations batch many events into one job.
 */
export interface EventQueue {
  enqueue(event: StoredEvent): Promise<void>;
  close(): Promise<void>;
}
