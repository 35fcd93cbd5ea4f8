import { Stack } from '@channels/testing';
import { until, WriterHarness } from './writer-harness';

/** A poison event is isolated into dead_letters with its reason; the rest of its batch is stored. */
describe('poison events', () => {
  const stack = new Stack({ gateways: 0, presences: 0, adminApi: false, writers: 1 });
  let h: WriterHarness;

  beforeAll(async () => {
    await stack.start();
    h = new WriterHarness(stack);
    await h.seed(['kept', 'doomed']);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await stack.stop();
  });

  it('records events of a deleted channel and rows Postgres rejects, storing everything else', async () => {
    const doomed = h.events(['doomed'], 3);
    // The channel is deleted after its events were acked and before the writer stores them.
    await h.db.query(`DELETE FROM channels WHERE app_id = $1 AND id = 'doomed'`, [h.appID]);
    const kept = h.events(['kept'], 50);
    const tooLong = h.event('kept', { eventType: 'x'.repeat(60) });
    const nul = h.event('kept', { payload: { text: 'bad \u0000 byte' } });
    const after = h.events(['kept'], 50);
    await h.enqueue([...kept.slice(0, 25), ...doomed, ...kept.slice(25), tooLong, nul, ...after]);

    await until(
      'all events accounted for',
      async () => (await h.rowCount()) + (await h.deadLetters()).length >= 105,
    );
    const dead = await h.deadLetters();
    expect(dead.map((d) => [d.channel_id, d.offset, d.event_id])).toEqual([
      ['doomed', 1, 'doomed-1'],
      ['doomed', 2, 'doomed-2'],
      ['doomed', 3, 'doomed-3'],
      ['kept', 51, 'kept-51'],
      ['kept', 52, 'kept-52'],
    ]);
    expect(dead[0].reason).toBe('channel_not_found');
    expect(dead[3].reason).toMatch(/^rejected: 22001 value too long/);
    expect(dead[4].reason).toMatch(/^rejected: 22P05/);
    const stored = await h.stored();
    expect(stored.map((r) => r.offset)).toEqual([...kept, ...after].map((e) => e.offset));
  });
});
