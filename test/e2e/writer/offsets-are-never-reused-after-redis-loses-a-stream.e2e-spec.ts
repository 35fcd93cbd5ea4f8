import { redisKeys } from '@channels/contracts';
import { BASE_REDIS_URL, call, collect, connectClient, eventually, Fixtures, Stack } from '@channels/testing';
import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';

interface Ev {
  id: string;
  offset: number;
  epoch: string;
}

const BOUND = 100;

/**
 * Redis loses a channel's stream (meta and window) while acked events are not committed yet — their
 * queue jobs survive. The stream is re-seeded in a new epoch above every offset a subscriber may
 * have seen (stored top + MAX_UNCOMMITTED_EVENTS): once the writer stores the old events, each
 * offset holds the one event subscribers saw with it, and nothing is dead-lettered as
 * `offset_taken`.
 */
describe('offsets are never reused after Redis loses a stream', () => {
  const stack = new Stack({
    gateways: 1,
    writers: 0,
    presences: 0,
    env: { MAX_UNCOMMITTED_EVENTS: String(BOUND) },
  });
  let fx: Fixtures;
  let redis: Redis;
  const sockets: Socket[] = [];
  const APP = 'reseed';
  const CH = 'feed';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, CH, { persistent: true });
    redis = new Redis(BASE_REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    redis?.disconnect();
    await fx?.close();
    await stack.stop();
  });

  it('starts the new epoch above every offset seen, and stores old and new events without conflict', async () => {
    const connect = async (clientID: string) => {
      const { socket } = await connectClient(stack.url('gateway'), {
        token: stack.clientToken(APP, clientID),
        appID: APP,
      });
      sockets.push(socket);
      return socket;
    };
    const reader = await connect('bob');
    await call(reader, 'subscribe', { channels: [CH] });
    const seen = collect<Ev>(reader, 'event');
    const pub = await connect('alice');
    for (let i = 0; i < 5; i++) await call(pub, 'publish', { channelID: CH, eventType: 'm', payload: i });
    await eventually(() => seen.length === 5, 'five events seen');

    // Redis loses the stream (not the queue): nothing is stored yet, the stored top is 0.
    const k = redisKeys(stack.redisPrefix);
    await redis.del(k.streamMeta(APP, CH), k.streamWindow(APP, CH));
    const after = await call<{ ok: boolean; offset: number; epoch: string; id: string }>(pub, 'publish', {
      channelID: CH,
      eventType: 'm',
      payload: 'after the loss',
    });
    expect(after.ok).toBe(true);
    expect(after.offset).toBe(BOUND + 1);
    expect(after.epoch).not.toBe(seen[0].epoch);
    await eventually(() => seen.length === 6, 'the new event seen');

    await stack.startService('persistence-writer');
    await eventually(async () => (await fx.storedEvents(APP, CH)).length === 6, 'all six stored', 30_000);
    const stored = await fx.storedEvents(APP, CH);
    // Every offset a subscriber saw holds the very event it saw.
    expect(stored.map((e) => [e.offset, e.id])).toEqual(seen.map((e) => [e.offset, e.id]));
    const dead = await fx.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters');
    expect(dead[0].n).toBe(0);
  });
});
