import { Stack, TcpProxy } from '@channels/testing';
import { keysOf, metric, until, WriterHarness } from './writer-harness';

/**
 * Postgres down for a while (a proxy between the writer and Postgres is cut): the queue holds the
 * events, readiness reports the writer not ready, it retries with backoff, and when Postgres is
 * back it catches up with nothing lost.
 */
describe('Postgres outage', () => {
  const stack = new Stack({
    gateways: 0,
    presences: 0,
    adminApi: false,
    writers: 0,
    // Two jobs in hand at most, so the rest visibly waits in the queue during the outage.
    serviceEnv: { 'persistence-writer': { WRITER_RETRY_MAX_DELAY_MS: '1000', WRITER_CONCURRENCY: '2' } },
  });
  const proxy = new TcpProxy(5432);
  let h: WriterHarness;
  let writerUrl = '';
  const channels = ['o1', 'o2'];

  beforeAll(async () => {
    await stack.start();
    await proxy.start();
    const writer = await stack.startService('persistence-writer', {
      DATABASE_URL: proxy.url(stack.databaseUrl),
    });
    writerUrl = writer.url;
    h = new WriterHarness(stack);
    await h.seed(channels);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await stack.stop();
    await proxy.close();
  });

  it('holds events in the queue, reports not ready, retries, then catches up with nothing lost', async () => {
    const before = h.events(channels, 500);
    await h.enqueue(before);
    await until('first events stored', async () => (await h.rowCount()) === before.length);

    proxy.cut();
    const during = h.events(channels, 2_000);
    await h.enqueue(during);
    await until('readiness reports Postgres down', async () => {
      const res = await fetch(`${writerUrl}/health/ready`);
      const body = (await res.json()) as { checks: Record<string, string> };
      return res.status === 503 && body.checks['postgres'] !== 'ok';
    });
    await until('the writer retried at least twice', async () => {
      return (await metric(writerUrl, 'channels_writer_failures_total', 'kind="unavailable"')) >= 2;
    });
    expect(await h.rowCount()).toBe(before.length);
    expect(await metric(writerUrl, 'channels_writer_queue_jobs', 'state="active"')).toBe(2);
    expect(await metric(writerUrl, 'channels_writer_queue_jobs', 'state="waiting"')).toBeGreaterThan(0);
    expect(await metric(writerUrl, 'channels_writer_queue_lag_seconds')).toBeGreaterThan(0);
    expect(await metric(writerUrl, 'channels_writer_storage_available')).toBe(0);

    proxy.restore();
    await until('caught up', async () => (await h.rowCount()) >= before.length + during.length, 60_000);
    await until('ready again', async () => (await fetch(`${writerUrl}/health/ready`)).status === 200);
    const stored = await h.stored();
    expect(stored.map((r) => `${r.channel_id}/${r.offset}`)).toEqual(keysOf([...before, ...during]));
    expect(await h.deadLetters()).toEqual([]);
  });
});
