import { Stack } from '@channels/testing';
import { keysOf, until, WriterHarness } from './writer-harness';

/** Faults: kill -9 of a writer mid-stream, then restart; and a graceful stop mid-stream. */
describe('a writer stopped mid-stream', () => {
  // A job held by a dead writer is taken over after the lock duration (2 s here).
  const env = { WRITER_LOCK_DURATION_MS: '2000', WRITER_CONCURRENCY: '4', WRITER_MAX_BATCH_EVENTS: '500' };
  const stack = new Stack({
    gateways: 0,
    presences: 0,
    adminApi: false,
    writers: 1,
    serviceEnv: { 'persistence-writer': env },
  });
  let h: WriterHarness;
  const channels = ['k1', 'k2', 'k3', 'k4'];

  beforeAll(async () => {
    await stack.start();
    h = new WriterHarness(stack);
    await h.seed(channels);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await stack.stop();
  });

  it('after kill -9 and a restart, every enqueued event is stored exactly once', async () => {
    const events = h.events(channels, 10_000);
    const first = events.slice(0, 20_000);
    const rest = events.slice(20_000);
    const producing = h.enqueue(first);
    await until('the writer is storing', async () => (await h.rowCount()) > 0);
    stack.kill9(stack.all('persistence-writer')[0]);
    await producing;
    await h.enqueue(rest);
    const storedAtKill = await h.rowCount();
    expect(storedAtKill).toBeLessThan(events.length);

    await stack.startService('persistence-writer');
    await until('all rows stored', async () => (await h.rowCount()) >= events.length, 60_000);
    const stored = await h.stored();
    expect(stored.map((r) => `${r.channel_id}/${r.offset}`)).toEqual(keysOf(events));
  });

  it('on SIGTERM finishes the batches in flight and exits cleanly; the rest waits in the queue', async () => {
    const before = await h.rowCount();
    const events = h.events(channels, 5_000);
    const producing = h.enqueue(events);
    await until('the writer is storing', async () => (await h.rowCount()) > before);
    const code = await stack.terminate(stack.all('persistence-writer')[0]);
    expect(code).toBe(0);
    await producing;
    // Nothing was left half-done: no job is still held, none failed; the rest waits.
    expect(await h.jobCounts()).toMatchObject({ active: 0, failed: 0, delayed: 0 });
    await stack.startService('persistence-writer');
    await until('all rows stored', async () => (await h.rowCount()) >= before + events.length, 60_000);
    expect(await h.rowCount()).toBe(before + events.length);
  });
});
