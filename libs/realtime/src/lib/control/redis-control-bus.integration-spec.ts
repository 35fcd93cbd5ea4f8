import type { ControlMessage } from '@channels/contracts';
import { eventually, killSubscriberConnection } from '@channels/testing';
import Redis from 'ioredis';
import { controlConnectionName, RedisControlBus } from './redis-control-bus';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = process.env['REDIS_KEY_PREFIX'] ?? 'it:local:';

describe('RedisControlBus', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(() => {
    redis.disconnect();
  });

  it('delivers messages, and after its subscription connection drops, resyncs once it is back', async () => {
    const channel = `${prefix}control-it:${process.pid}`;
    const bus = new RedisControlBus(redis, channel);
    const received: ControlMessage[] = [];
    let resyncs = 0;
    const stop = await bus.subscribe(
      (m) => received.push(m),
      () => resyncs++,
    );
    try {
      const message = (clientID: string): ControlMessage => ({
        type: 'member_added',
        appID: 'a',
        channelID: 'c',
        clientID,
        presence: false,
      });

      await bus.publish(message('before'));
      await eventually(() => received.length === 1, 'the first message');
      expect(resyncs).toBe(0); // the first connection is not a resync

      // Drop the subscriber's connection from the server side (named after its channel).
      await killSubscriberConnection(controlConnectionName(channel), url);

      await eventually(() => resyncs === 1, 'the resync after reconnecting');
      await bus.publish(message('after'));
      await eventually(() => received.length === 2, 'a message after the reconnection');
      expect(received.map((m) => (m as { clientID: string }).clientID)).toEqual(['before', 'after']);
    } finally {
      await stop();
    }
  });
});
