import {
  BASE_REDIS_URL,
  call,
  connectClient,
  eventually,
  Fixtures,
  OptimizedClient,
  Stack,
} from '@channels/testing';
import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';

/**
 * The gateway's Redis subscriptions: one per channel in use, shared by every transport, and none
 * for connected clients or apps (nothing is published to them through Redis).
 */
describe('one Redis subscription per channel per gateway', () => {
  const stack = new Stack({ gateways: 1, writers: 1, presences: 0 });
  const app = 'subs';
  let fx: Fixtures;
  let redis: Redis;
  const sockets: Socket[] = [];
  const wires: OptimizedClient[] = [];

  /** The channel rooms' shard channels subscribed under this run's prefix (the adapter's own excluded). */
  const roomSubscriptions = async () => {
    const all = (await redis.call('PUBSUB', 'SHARDCHANNELS', `${stack.redisPrefix}sio#/#*`)) as string[];
    return all.filter((c) => /#(ch|cl|app):/.test(c)).sort();
  };

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(app);
    for (const ch of ['a', 'b']) await fx.channel(app, ch, { persistent: true });
    redis = new Redis(BASE_REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all(wires.map((w) => w.close().catch(() => undefined)));
    redis?.disconnect();
    await fx?.close();
    await stack.stop();
  });

  it('holds none for connected clients and one per channel whatever the connections and transports', async () => {
    for (let i = 0; i < 20; i++) {
      const { socket } = await connectClient(stack.url('gateway'), {
        token: stack.clientToken(app, `c${i}`),
        appID: app,
      });
      sockets.push(socket);
    }
    expect(await roomSubscriptions()).toEqual([]);
    for (const s of sockets.slice(0, 10)) await call(s, 'subscribe', { channels: ['a', 'b'] });
    for (let i = 0; i < 3; i++) {
      const w = await OptimizedClient.connect(stack.url('gateway'), {
        token: stack.clientToken(app, `w${i}`),
        appID: app,
      });
      wires.push(w);
      expect((await w.subscribe('a', 1)).ack.status).toBe(true);
    }
    const subs = await roomSubscriptions();
    expect(subs).toHaveLength(2);
    expect(subs.every((c) => c.includes('#ch:'))).toBe(true);
    // The last subscriber leaving ends the channel's subscription.
    for (const s of sockets.slice(0, 10)) await call(s, 'unsubscribe', { channels: ['b'] });
    await eventually(async () => (await roomSubscriptions()).length === 1, 'b unsubscribed');
  });
});
