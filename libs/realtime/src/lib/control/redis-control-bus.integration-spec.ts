import type { ControlMessage } from '@channels/contracts';
import Redis from 'ioredis';
import { controlConnectionName, RedisControlBus } from './redis-control-bus';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = process.env['REDIS_KEY_PREFIX'] ?? 'it:local:';

const until = async (cond: () => boolean, what: string, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('RedisControlBus', () => {
  let redis: Redis;
  let admin: Redis;

  beforeAll(() => {
    redis = new Redis(url);
    admin = new Redis(url);
  });
  afterAll(() => {
    redis.disconnect();
    admin.disconnect();
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
      await until(() => received.length === 1, 'the first message');
      expect(resyncs).toBe(0); // the first connection is not a resync

      // Drop the subscriber's connection from the server side (named after its channel).
      const list = String(await admin.call('CLIENT', 'LIST'));
      const line = list
        .split('\n')
        .find((l) => l.includes(` name=${controlConnectionName(channel)} `) && /\bsub=[1-9]/.test(l));
      const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      await admin.call('CLIENT', 'KILL', 'ID', String(id));

      await until(() => resyncs === 1, 'the resync after reconnecting');
      await bus.publish(message('after'));
      await until(() => received.length === 2, 'a message after the reconnection');
      expect(received.map((m) => (m as { clientID: string }).clientID)).toEqual(['before', 'after']);
    } finally {
      await stop();
    }
  });
});
