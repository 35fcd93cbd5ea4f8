import { Stack } from '@channels/testing';
import { until, WriterHarness } from './writer-harness';

/** Retention per channel and by default, enforced by the writer's periodic pass. */
describe('retention', () => {
  const stack = new Stack({
    gateways: 0,
    presences: 0,
    adminApi: false,
    writers: 1,
    serviceEnv: {
      'persistence-writer': {
        RETENTION_INTERVAL_MS: '300',
        RETENTION_MAX_COUNT: '40',
        RETENTION_BATCH_SIZE: '7',
      },
    },
  });
  let h: WriterHarness;

  beforeAll(async () => {
    await stack.start();
    h = new WriterHarness(stack);
    await h.seed(['by-default']);
    await h.seed(['by-count'], { maxCount: 10 });
    await h.seed(['by-age'], { maxAgeSeconds: 60 });
    await h.seed(['forever'], { maxAgeSeconds: 0, maxCount: 0 });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await stack.stop();
  });

  it('keeps the newest events per channel limits, the default elsewhere, and everything where disabled', async () => {
    const old = Date.now() - 3_600_000;
    await h.enqueue([
      ...h.events(['by-default', 'by-count', 'forever'], 100),
      ...Array.from({ length: 30 }, () => h.event('by-age', { timestamp: old })),
      ...Array.from({ length: 5 }, () => h.event('by-age')),
    ]);
    const offsets = async (channel: string) =>
      (await h.stored()).filter((r) => r.channel_id === channel).map((r) => r.offset);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    await until('retention applied', async () => {
      const [d, c, a] = [await offsets('by-default'), await offsets('by-count'), await offsets('by-age')];
      return d.length === 40 && c.length === 10 && a.length === 5;
    });
    expect(await offsets('by-default')).toEqual(range(61, 100));
    expect(await offsets('by-count')).toEqual(range(91, 100));
    expect(await offsets('by-age')).toEqual(range(31, 35));
    expect(await offsets('forever')).toEqual(range(1, 100));
  });

  it("removes a deleted channel's events with it", async () => {
    await h.db.query(`DELETE FROM channels WHERE app_id = $1 AND id = 'forever'`, [h.appID]);
    expect((await h.stored()).filter((r) => r.channel_id === 'forever')).toEqual([]);
  });
});
