import { channelRoom, redisKeys } from '@channels/contracts';
import Redis from 'ioredis';
import { roomShardChannel } from './adapter-message';
import { FakeStreamSource } from './fake-stream-source';
import { RedisBroker } from './redis-broker';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:local:'}broker-pub:${process.pid}:`;
const keys = redisKeys(prefix);
const clients: Redis[] = [];

afterAll(async () => {
  const redis = new Redis(url);
  const found = await redis.keys(`${prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
  for (const c of clients) c.disconnect();
});

function setup() {
  const redis = new Redis(url);
  const sub = new Redis(url);
  clients.push(redis, sub);
  const source = new FakeStreamSource();
  const broker = new RedisBroker(redis, source, { keys, windowSize: 10, idempotencyTtlSeconds: 300 });
  /** Subscribes; `events` resolves with the next `n` events the publish script fans out on the channel's shard channel. */
  const fannedOut = async (appID: string, channelID: string, n: number) => {
    const shard = roomShardChannel(prefix, channelRoom(appID, channelID));
    const got: unknown[] = [];
    const done = new Promise<unknown[]>((resolve) => {
      sub.on('smessage', (channel: string, message: string) => {
        if (channel !== shard) return;
        const m = JSON.parse(message) as { data: { packet: { data: [string, unknown] } } };
        got.push(m.data.packet.data[1]);
        if (got.length === n) resolve(got);
      });
    });
    await sub.ssubscribe(shard);
    return { events: done };
  };
  return { redis, broker, source, fannedOut };
}

describe('RedisBroker.publish', () => {
  it('answers with the event exactly as subscribers receive it, stored or live', async () => {
    const { broker, source, fannedOut } = setup();
    source.open('app-a', 'c1');
    const received = (await fannedOut('app-a', 'c1', 3)).events;
    const keyed = {
      appID: 'app-a',
      channelID: 'c1',
      eventType: 'msg',
      payload: { text: 'hé "quoted"', n: [1, 2] },
      senderID: 'alice',
      id: 'k-1',
      store: true,
    };
    const stored = await broker.publish(keyed);
    const live = await broker.publish({
      appID: 'app-a',
      channelID: 'c1',
      eventType: 'typing',
      payload: null,
      senderID: 'bob',
      store: false,
    });
    const duplicate = await broker.publish({ ...keyed });
    const third = await broker.publish({
      appID: 'app-a',
      channelID: 'c1',
      eventType: 'msg',
      payload: 'two',
      senderID: 'alice',
      store: true,
    });
    if (stored.status !== 'published' || live.status !== 'published') throw new Error('not published');
    if (duplicate.status !== 'published' || third.status !== 'published') throw new Error('not published');
    expect(duplicate.duplicate).toBe(true);
    expect(duplicate.event).toEqual(stored.event);
    expect(stored.event.offset).toBe(1);
    expect(third.event.offset).toBe(2);
    expect(live.event.offset).toBeUndefined();
    expect(await received).toEqual([stored.event, live.event, third.event]);
  });

  it('loads the script when Redis does not know it (first use, or after a restart)', async () => {
    const { redis, broker, source } = setup();
    source.open('app-b', 'c1');
    const evalsha = jest
      .spyOn(redis, 'evalsha')
      .mockRejectedValueOnce(new Error('NOSCRIPT No matching script. Please use EVAL.'));
    const r = await broker.publish({
      appID: 'app-b',
      channelID: 'c1',
      eventType: 't',
      payload: 1,
      senderID: 's',
      store: true,
    });
    expect(evalsha).toHaveBeenCalled();
    expect(r.status === 'published' && r.event.offset).toBe(1);
  });
});
