import { EVENTS_QUEUE, PERSIST_BATCH_JOB, type PersistBatchJob } from '@channels/contracts';
import { TcpProxy } from '@channels/testing';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { BullmqEventQueue } from './bullmq-event-queue';
import { describeEventQueueContract } from './event-queue.contract';
import { bullPrefix } from './queue-options';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const basePrefix = process.env['REDIS_KEY_PREFIX'] ?? 'it:local:';
const cleanups: (() => Promise<void>)[] = [];
let n = 0;

afterAll(async () => {
  for (const c of cleanups) await c();
});

describeEventQueueContract('bullmq', async (options) => {
  const keyPrefix = `${basePrefix}q${++n}:`;
  const proxy = new TcpProxy(Number(new URL(url).port || 6379));
  await proxy.start();
  const queue = new BullmqEventQueue({
    redisUrl: proxy.url(url),
    keyPrefix,
    handOffTimeoutMs: 2_000,
    ...options,
  });
  const readerConnection = new Redis(url, { maxRetriesPerRequest: null });
  const reader = new Queue<PersistBatchJob>(EVENTS_QUEUE, {
    connection: readerConnection,
    prefix: bullPrefix(keyPrefix),
  });
  cleanups.push(async () => {
    await reader.obliterate({ force: true });
    await reader.close();
    await readerConnection.quit();
    await proxy.close();
  });
  return {
    queue,
    handedOff: async () => {
      const jobs = await reader.getJobs(['wait'], 0, -1, true);
      expect(jobs.every((j) => j.name === PERSIST_BATCH_JOB)).toBe(true);
      return jobs.map((j) => j.data);
    },
    breakStore: async () => proxy.cut(),
    healStore: async () => proxy.restore(),
  };
});

describe('BullmqEventQueue isolation', () => {
  it('keeps each deployment prefix in its own queue keys', async () => {
    const keyPrefix = `${basePrefix}iso:`;
    const queue = new BullmqEventQueue({ redisUrl: url, keyPrefix });
    await queue.enqueue({
      appID: 'a',
      channelID: 'c',
      offset: 1,
      epoch: 'e',
      id: 'x',
      eventType: 't',
      payload: null,
      senderID: 's',
      timestamp: 1,
    });
    await queue.close();
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const keys = await redis.keys(`${bullPrefix(keyPrefix)}:${EVENTS_QUEUE}:*`);
    expect(keys.length).toBeGreaterThan(0);
    const other = new Queue(EVENTS_QUEUE, { connection: redis, prefix: bullPrefix(`${basePrefix}other:`) });
    expect(await other.getWaitingCount()).toBe(0);
    await other.close();
    await redis.del(...keys);
    redis.disconnect();
  });
});
