import { Stack } from '@channels/testing';
import { keysOf, metric, until, WriterHarness } from './writer-harness';

/** Two or more writer replicas may consume the same queue at once. */
describe('two writer replicas', () => {
  // One job at a time per replica, so both replicas take part.
  const stack = new Stack({
    gateways: 0,
    presences: 0,
    adminApi: false,
    writers: 2,
    serviceEnv: { 'persistence-writer': { WRITER_CONCURRENCY: '1' } },
  });
  let h: WriterHarness;
  const channels = Array.from({ length: 6 }, (_, i) => `room-${i}`);

  beforeAll(async () => {
    await stack.start();
    h = new WriterHarness(stack);
    await h.seed(channels);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await stack.stop();
  });

  it('share the queue and store each event once', async () => {
    const events = h.events(channels, 2_000);
    await h.enqueue(events);
    await until('all rows stored', async () => (await h.rowCount()) >= events.length);
    const stored = await h.stored();
    expect(stored.map((r) => `${r.channel_id}/${r.offset}`)).toEqual(keysOf(events));
    const [a, b] = stack.all('persistence-writer').map((s) => s.url);
    const perReplica = [
      await metric(a, 'channels_writer_events_total', 'result="stored"'),
      await metric(b, 'channels_writer_events_total', 'result="stored"'),
    ];
    expect(perReplica[0] + perReplica[1]).toBe(events.length);
    expect(perReplica.every((n) => n > 0)).toBe(true);
  });
});
