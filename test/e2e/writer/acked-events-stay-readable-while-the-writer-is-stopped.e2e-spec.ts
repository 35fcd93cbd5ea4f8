import { redisKeys } from '@channels/contracts';
import { BASE_REDIS_URL, call, connectClient, eventually, Fixtures, Stack } from '@channels/testing';
import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';

interface Ev {
  offset: number;
  epoch: string;
  payload: unknown;
}
interface SubAck {
  ok: boolean;
  results: Record<string, { ok: boolean; offset: number; epoch: string; recovered?: boolean; events?: Ev[] }>;
}

const WINDOW = 10;
const COUNT = 35;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);

/**
 * No silent gap: with the writer stopped, a channel gets more acked events than its hot window
 * holds. Recovery, socket history, `/v1` history by offset and the original routes still answer
 * every event, none missing — the window keeps what Postgres does not have yet. Once the writer
 * runs, every event reaches Postgres and the window shrinks back to its size.
 */
describe('acked events stay readable while the writer is stopped', () => {
  const stack = new Stack({
    gateways: 1,
    writers: 0,
    presences: 0,
    env: { HOT_WINDOW_SIZE: String(WINDOW) },
  });
  let fx: Fixtures;
  let http: Http;
  let redis: Redis;
  const sockets: Socket[] = [];
  const APP = 'nogap';
  const CH = 'feed';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, CH, { persistent: true });
    http = new Http(stack.adminUrl);
    redis = new Redis(BASE_REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    redis?.disconnect();
    await fx?.close();
    await stack.stop();
  });

  const connect = async (clientID: string) => {
    const { socket } = await connectClient(stack.url('gateway'), {
      token: stack.clientToken(APP, clientID),
      appID: APP,
    });
    sockets.push(socket);
    return socket;
  };

  it('answers every event from the window and Postgres together, then stores them all once the writer runs', async () => {
    const pub = await connect('alice');
    const acks: { offset: number; epoch: string }[] = [];
    for (let i = 1; i <= COUNT; i++) {
      const ack = await call<{ ok: boolean; offset: number; epoch: string }>(pub, 'publish', {
        channelID: CH,
        eventType: 'm',
        payload: i,
      });
      expect(ack).toMatchObject({ ok: true, offset: i });
      acks.push(ack);
    }
    const epoch = acks[0].epoch;
    expect(await fx.storedEvents(APP, CH)).toEqual([]);
    const win = redisKeys(stack.redisPrefix).streamWindow(APP, CH);
    expect(await redis.llen(win)).toBe(COUNT);

    // Recovery from an early offset: every event after it, recovered.
    const reader = await connect('bob');
    const sub = await call<SubAck>(reader, 'subscribe', {
      channels: [CH],
      recover: { [CH]: { offset: 2, epoch } },
    });
    expect(sub.results[CH]).toMatchObject({ ok: true, recovered: true, offset: COUNT });
    expect(sub.results[CH].events?.map((e) => e.offset)).toEqual(range(3, COUNT));

    // Socket history by offset and newest first.
    const hist = await call<{ ok: boolean; events: Ev[] }>(reader, 'history', {
      channelID: CH,
      sinceOffset: 0,
      limit: 100,
    });
    expect(hist.events.map((e) => e.offset)).toEqual(range(1, COUNT));
    const newest = await call<{ ok: boolean; events: Ev[] }>(reader, 'history', { channelID: CH, limit: 30 });
    expect(newest.events.map((e) => e.offset)).toEqual(range(COUNT - 29, COUNT).reverse());

    // /v1 history by offset.
    const admin = stack.adminToken(APP);
    const v1 = await http.get<{ events: Ev[] }>(
      `/v1/apps/${APP}/channels/${CH}/events?sinceOffset=0&limit=100`,
      { token: admin },
    );
    expect(v1.status).toBe(200);
    expect(v1.body.events.map((e) => e.offset)).toEqual(range(1, COUNT));

    // The original routes.
    const last = await http.get<{ events: { payload: unknown }[] }>(`/last/${CH}/100`, {
      token: admin,
      appID: APP,
    });
    expect(last.body.events.map((e) => e.payload)).toEqual(range(1, COUNT).reverse());
    const sync = await http.get<{ events: { payload: unknown }[] }>(`/c/${CH}/sync/0`, {
      token: admin,
      appID: APP,
    });
    expect(sync.body.events.map((e) => e.payload)).toEqual(range(1, COUNT));

    // The writer starts: everything reaches Postgres once, and the window is back to its size.
    await stack.startService('persistence-writer');
    await eventually(
      async () => (await fx.storedEvents(APP, CH)).length === COUNT,
      'every event stored',
      30_000,
    );
    expect((await fx.storedEvents(APP, CH)).map((e) => e.offset)).toEqual(range(1, COUNT));
    await eventually(async () => (await redis.llen(win)) === WINDOW, 'window back to its size', 10_000);
    const meta = await redis.hgetall(redisKeys(stack.redisPrefix).streamMeta(APP, CH));
    expect(meta).toMatchObject({ top: String(COUNT), durable: String(COUNT) });
    // Reads are unchanged, now from Postgres below the window.
    const after = await call<{ ok: boolean; events: Ev[] }>(reader, 'history', {
      channelID: CH,
      sinceOffset: 0,
      limit: 100,
    });
    expect(after.events.map((e) => e.offset)).toEqual(range(1, COUNT));
  });
});
