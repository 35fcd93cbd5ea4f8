import { EVENTS_QUEUE, PERSIST_BATCH_JOB, type PersistBatchJob } from '@channels/contracts';
import { bullPrefix } from '@channels/realtime';
import { BASE_REDIS_URL, Stack } from '@channels/testing';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { keysOf, metric, until, WriterHarness } from './writer-harness';

/** Exactly once: re-delivered jobs, retried batches and re-published ids never duplicate a row. */
describe('events are stored exactly once', () => {
  const stack = new Stack({ gateways: 0, presences: 0, adminApi: false, writers: 1 });
  let h: WriterHarness;
  const channels = ['alpha', 'beta', 'gamma'];

  beforeAll(async () => {
    await stack.start();
    h = new WriterHarness(stack);
    await h.seed(channels);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await stack.stop();
  });

  it('stores every acked event once although batches are delivered again and ids are re-published', async () => {
    const events = h.events(channels, 400);
    await h.enqueue(events);
    // The same events handed off again (a producer retrying after a timeout), in other batches.
    await h.enqueue([...events].reverse());
    // A job delivered twice, as after a lost acknowledgement.
    const connection = new Redis(BASE_REDIS_URL, { maxRetriesPerRequest: null });
    const raw = new Queue<PersistBatchJob>(EVENTS_QUEUE, {
      connection,
      prefix: bullPrefix(stack.redisPrefix),
    });
    const job: PersistBatchJob = { events: events.slice(0, 100), enqueuedAt: Date.now() };
    await raw.add(PERSIST_BATCH_JOB, job);
    await raw.add(PERSIST_BATCH_JOB, job);
    // A publisher re-publishing an id it already used: the broker assigned it a new offset.
    const republished = h.event('alpha', { id: 'alpha-7' });
    await h.enqueue([republished]);

    const writer = stack.url('persistence-writer');
    await until(
      'every copy processed',
      async () => (await metric(writer, 'channels_writer_events_total')) >= 2 * events.length + 200 + 1,
    );
    const stored = await h.stored();
    expect(stored.map((r) => `${r.channel_id}/${r.offset}`)).toEqual(keysOf(events));
    expect(new Set(stored.map((r) => r.id)).size).toBe(events.length);
    expect(stored.find((r) => r.id === 'alpha-7')?.offset).toBe(7);
    expect(stored.find((r) => r.id === 'beta-12')?.payload).toEqual({ text: 'event 12 of beta', n: 12 });
    expect(await metric(writer, 'channels_writer_events_total', 'result="stored"')).toBe(events.length);
    expect(await metric(writer, 'channels_writer_events_total', 'result="duplicate"')).toBe(
      events.length + 200 + 1,
    );
    expect(await h.deadLetters()).toEqual([]);
    await raw.close();
    await connection.quit();
  });
});
