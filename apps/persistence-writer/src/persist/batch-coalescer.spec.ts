import type { StoredEvent } from '@channels/contracts';
import { type EventWriteResult, StorageUnavailableError } from '@channels/db';
import {
  BatchCoalescer,
  type BatchSink,
  CoalescerStoppedError,
  type CoalescerObserver,
} from './batch-coalescer';

const ev = (offset: number): StoredEvent => ({
  appID: 'app',
  channelID: 'room',
  offset,
  epoch: 'e',
  id: `id-${offset}`,
  eventType: 'message',
  payload: { offset },
  senderID: 'alice',
  timestamp: 1,
});
const ok = (events: StoredEvent[]): EventWriteResult => ({
  inserted: events.length,
  duplicates: 0,
  deadLetters: [],
  bisections: 0,
  copied: true,
});

/** A sink whose writes complete when the test says so. */
class ControlledSink implements BatchSink {
  readonly writes: number[][] = [];
  private readonly gates: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  async writeBatch(events: StoredEvent[]): Promise<EventWriteResult> {
    this.writes.push(events.map((e) => e.offset));
    await new Promise<void>((resolve, reject) => this.gates.push({ resolve, reject }));
    return ok(events);
  }
  release(): void {
    this.gates.shift()?.resolve();
  }
  fail(e: unknown): void {
    this.gates.shift()?.reject(e);
  }
  /** Resolves once `n` writes were attempted. */
  async attempts(n: number): Promise<void> {
    while (this.writes.length < n) await new Promise((r) => setTimeout(r, 1));
  }
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

const observer = (): CoalescerObserver & { log: string[] } => {
  const log: string[] = [];
  return {
    log,
    written: (r) => void log.push(`written ${r.inserted}`),
    unavailable: (_e, attempt) => void log.push(`unavailable ${attempt}`),
    recovered: () => void log.push('recovered'),
  };
};
const options = { maxBatchEvents: 5, maxInFlight: 1, retryBaseMs: 1, retryMaxMs: 2 };

describe('BatchCoalescer', () => {
  it('writes jobs that arrive together as one batch, and jobs that pile up meanwhile as the next', async () => {
    const sink = new ControlledSink();
    const c = new BatchCoalescer(sink, options, observer());
    const first = [c.submit([ev(1)]), c.submit([ev(2), ev(3)])];
    await sink.settle();
    const second = [c.submit([ev(4)]), c.submit([ev(5), ev(6)]), c.submit([ev(7), ev(8), ev(9)])];
    await sink.settle();
    expect(sink.writes).toEqual([[1, 2, 3]]);
    sink.release();
    await Promise.all(first);
    await sink.settle();
    // Whole jobs up to maxBatchEvents: 4,5,6 fit (3 events), adding 7,8,9 would exceed 5.
    expect(sink.writes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    sink.release();
    await sink.settle();
    sink.release();
    await Promise.all(second);
    expect(sink.writes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it('keeps a batch while storage is unavailable and retries it until it is stored', async () => {
    const sink = new ControlledSink();
    const obs = observer();
    const c = new BatchCoalescer(sink, options, obs);
    const done = c.submit([ev(1), ev(2)]);
    await sink.settle();
    sink.fail(new StorageUnavailableError(new Error('connection refused')));
    await sink.attempts(2);
    expect(c.storageAvailable).toBe(false);
    sink.fail(new StorageUnavailableError(new Error('connection refused')));
    await sink.attempts(3);
    sink.release();
    await done;
    expect(sink.writes).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(obs.log).toEqual(['unavailable 1', 'unavailable 2', 'recovered', 'written 2']);
    expect(c.storageAvailable).toBe(true);
  });

  it('gives the batch back (rejects) when stopped while storage is unavailable', async () => {
    const sink = new ControlledSink();
    const c = new BatchCoalescer(sink, { ...options, retryBaseMs: 60_000, retryMaxMs: 60_000 }, observer());
    const done = c.submit([ev(1)]);
    await sink.settle();
    sink.fail(new StorageUnavailableError(new Error('down')));
    await sink.settle();
    c.stop();
    await sink.attempts(2);
    sink.fail(new StorageUnavailableError(new Error('still down')));
    await expect(done).rejects.toBeInstanceOf(CoalescerStoppedError);
  });

  it('does not retry an unexpected error: the jobs fail back to the queue', async () => {
    const sink = new ControlledSink();
    const c = new BatchCoalescer(sink, options, observer());
    const done = c.submit([ev(1)]);
    await sink.settle();
    sink.fail(new TypeError('bug'));
    await expect(done).rejects.toThrow('bug');
    expect(sink.writes).toHaveLength(1);
  });
});
