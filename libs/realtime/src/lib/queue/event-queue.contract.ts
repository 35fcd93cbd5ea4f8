import type { PersistBatchJob, StoredEvent } from '@channels/contracts';
import type { EventQueue } from './event-queue.port';

export interface EventQueueHarness {
  queue: EventQueue;
  /** Every batch handed off so far, in hand-off order. */
  handedOff(): Promise<PersistBatchJob[]>;
  /** Makes the store behind the queue unreachable (later hand-offs fail) / reachable again. */
  breakStore(): Promise<void>;
  healStore(): Promise<void>;
}

/**
 * The behaviour every `EventQueue` adapter must have. Run with the in-memory adapter in unit tests
 * and the BullMQ adapter in integration tests: `describeEventQueueContract('bullmq', make)`.
 */
export function describeEventQueueContract(
  name: string,
  make: (options: { maxBatchEvents: number; maxDelayMs: number }) => Promise<EventQueueHarness>,
): void {
  describe(`EventQueue contract: ${name}`, () => {
    let h: EventQueueHarness;
    let n = 0;
    const event = (offset: number, channelID = 'room'): StoredEvent => ({
      appID: `app-${name}-${n}`,
      channelID,
      offset,
      epoch: 'ep',
      id: `id-${offset}`,
      eventType: 'message',
      payload: { text: `hello ${offset}`, list: [1, 2, { deep: true }] },
      senderID: 'alice',
      timestamp: 1_700_000_000_000 + offset,
    });
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

    beforeEach(async () => {
      n++;
      h = await make({ maxBatchEvents: 10, maxDelayMs: 5 });
    });
    afterEach(async () => {
      await h.healStore();
      await h.queue.close();
    });

    it('resolves enqueue only once the event is handed off, unchanged', async () => {
      await h.queue.enqueue(event(1));
      const batches = await h.handedOff();
      expect(batches.flatMap((b) => b.events)).toEqual([event(1)]);
      expect(batches[0].enqueuedAt).toBeGreaterThan(0);
    });

    it('groups concurrent events into batches of at most maxBatchEvents, in order, each once', async () => {
      await Promise.all(range(1, 25).map((e) => h.queue.enqueue(e)));
      const batches = await h.handedOff();
      expect(batches.map((b) => b.events.length)).toEqual([10, 10, 5]);
      expect(batches.flatMap((b) => b.events)).toEqual(range(1, 25));
    });

    it('rejects the events of a batch the store did not take, and works again once it is back', async () => {
      await h.breakStore();
      const results = await Promise.allSettled(range(1, 3).map((e) => h.queue.enqueue(e)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      await h.healStore();
      await h.queue.enqueue(event(4));
      expect((await h.handedOff()).flatMap((b) => b.events)).toContainEqual(event(4));
    });

    it('hands off pending events on close and refuses events after it', async () => {
      const pending = range(1, 3).map((e) => h.queue.enqueue(e));
      const closed = h.queue.close();
      await expect(h.queue.enqueue(event(9))).rejects.toThrow(/closed/);
      await Promise.all(pending);
      await closed;
      expect((await h.handedOff()).flatMap((b) => b.events)).toEqual(range(1, 3));
    });
  });
}
