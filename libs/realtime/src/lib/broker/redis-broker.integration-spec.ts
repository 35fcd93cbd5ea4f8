import { eventFromText, redisKeys } from '@channels/contracts';
import Redis from 'ioredis';
import { describeBrokerContract } from './broker.contract';
import { FakeStreamSource } from './fake-stream-source';
import { RedisBroker } from './redis-broker';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:local:'}broker:`;
const clients: Redis[] = [];

afterAll(async () => {
  for (const c of clients) c.disconnect();
});

describeBrokerContract('redis', async (windowSize, maxUncommitted) => {
  const redis = new Redis(url);
  clients.push(redis);
  const keys = redisKeys(prefix);
  const source = new FakeStreamSource();
  const broker = new RedisBroker(redis, source, {
    keys,
    windowSize,
    idempotencyTtlSeconds: 300,
    maxUncommitted,
  });
  const loseStreams = async () => {
    const found = await redis.keys(`${prefix}s:*`);
    if (found.length) await redis.del(...found);
  };
  return { broker, source, loseStreams };
});

describe('RedisBroker window reads spanning many script chunks', () => {
  it('returns every event of a long window once, in order, whatever the bounds', async () => {
    const redis = new Redis(url);
    clients.push(redis);
    const source = new FakeStreamSource();
    const broker = new RedisBroker(redis, source, {
      keys: redisKeys(`${prefix}long:${process.pid}:`),
      windowSize: 230,
      idempotencyTtlSeconds: 300,
    });
    source.open('app', 'long');
    for (let i = 1; i <= 260; i++)
      await broker.publish({
        appID: 'app',
        channelID: 'long',
        eventType: 't',
        payload: i,
        senderID: 's',
        store: true,
      });
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
    // The writer committed everything: the window is back to its size.
    const { epoch } = await broker.position('app', 'long');
    await broker.markCommitted('app', 'long', epoch, [[1, 260]]);

    const all = await broker.readWindowText('app', 'long', -1, 1_000);
    expect(all).toMatchObject({ top: 260, first: 31, complete: true });
    expect(all.events.map((e) => e.offset)).toEqual(range(31, 260));
    const objects = all.events.map(eventFromText);
    expect(objects.map((e) => e.payload)).toEqual(range(31, 260));

    expect((await broker.readWindowText('app', 'long', -1, 101)).events.map((e) => e.offset)).toEqual(
      range(160, 260),
    );
    const forward = await broker.readWindowText('app', 'long', 49, 151);
    expect(forward.events.map((e) => e.offset)).toEqual(range(50, 200));
    expect((await broker.readWindowText('app', 'long', 259, 10)).events.map((e) => e.offset)).toEqual([260]);
    expect((await broker.readWindowText('app', 'long', 260, 10)).events).toEqual([]);
    await broker.dropStream('app', 'long');
  });
});
