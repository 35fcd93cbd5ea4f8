import { redisKeys } from '@channels/contracts';
import { FakeStreamSource, RedisBroker } from '@channels/realtime';
import Redis from 'ioredis';
import { windowView as view } from './window-read.testing';
import { WindowMirror } from './window-mirror';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:local:'}mirror:${process.pid}:`;

describe('WindowMirror over the Redis broker', () => {
  const redis = new Redis(url);
  // Two processes' worth: the mirror reads through one connection, publishers write through another.
  const writer = new Redis(url);
  const source = new FakeStreamSource();
  const options = { keys: redisKeys(prefix), windowSize: 50, idempotencyTtlSeconds: 300 };
  const broker = new RedisBroker(redis, source, options);
  const publisherBroker = new RedisBroker(writer, source, options);
  const mirror = new WindowMirror(broker, 8 * 1_048_576);
  source.open('app', 'room');
  const publish = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        publisherBroker.publish({
          appID: 'app',
          channelID: 'room',
          eventType: 'chat',
          payload: { i, text: `line "${i}"\twith\\escapes` },
          senderID: 'u',
          store: true,
        }),
      ),
    );

  afterAll(async () => {
    const found = await redis.keys(`${prefix}*`);
    if (found.length) await redis.del(...found);
    redis.disconnect();
    writer.disconnect();
  });

  it('answers like a direct window read while publishers write concurrently, across trims and a lost stream', async () => {
    for (const burst of [3, 0, 17, 60, 1, 49]) {
      // Reads overlap the publishes: each answer must be a whole, contiguous window.
      const [, during] = await Promise.all([publish(burst), mirror.readWindowText('app', 'room', -1, 1e6)]);
      expect(during.events.map((e) => e.offset)).toEqual(
        Array.from({ length: during.top - during.first + 1 }, (_, i) => during.first + i),
      );
      for (const [after, limit] of [
        [-1, 10],
        [-1, 1e6],
        [0, 1e6],
        [during.top - 5, 3],
      ]) {
        expect(view(await mirror.readWindowText('app', 'room', after, limit))).toEqual(
          view(await broker.readWindowText('app', 'room', after, limit)),
        );
      }
    }
    // Redis loses the stream: the next read seeds a new epoch and the mirror follows it.
    const before = await mirror.readWindowText('app', 'room', -1, 1e6);
    await broker.dropStream('app', 'room');
    await publish(2);
    const after = await mirror.readWindowText('app', 'room', -1, 1e6);
    expect(after.epoch).not.toBe(before.epoch);
    expect(view(after)).toEqual(view(await broker.readWindowText('app', 'room', -1, 1e6)));
  });
});
