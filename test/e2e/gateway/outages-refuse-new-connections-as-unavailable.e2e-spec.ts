import {
  call,
  collect,
  connectClient,
  eventually,
  Fixtures,
  Stack,
  TcpProxy,
  type ConnectOptions,
} from '@channels/testing';
import type { Socket } from 'socket.io-client';

const HANDSHAKE_TIMEOUT_MS = 1_500;

/**
 * While Postgres or Redis cannot be reached — refused, or hanging — a new connection is refused
 * with the retryable `unavailable` (503), never `unauthorized` (socket.io clients stop retrying on
 * that); bad credentials are still `unauthorized`. Connected clients keep what does not need the
 * missing dependency, and new connections are accepted again once it is back, with no restart.
 */
describe('a gateway whose Postgres or Redis is unreachable', () => {
  const stack = new Stack({ gateways: 0, adminApi: false, writers: 0, presences: 0 });
  const pgProxy = new TcpProxy(5432);
  const redisProxy = new TcpProxy(6379);
  const APP = 'outage';
  let fx: Fixtures;
  let url: string;
  const sockets: Socket[] = [];

  const connect = async (appID: string, clientID: string, extra: Partial<ConnectOptions> = {}) => {
    const r = await connectClient(url, { token: stack.clientToken(appID, clientID), appID, ...extra });
    sockets.push(r.socket);
    return r.socket;
  };
  /** The `connect_error` of a refused connection, as the client sees it. */
  const refusal = async (appID: string, token = stack.clientToken(appID, 'newcomer')) => {
    const started = Date.now();
    const err = await connectClient(url, { token, appID }).then(
      ({ socket }) => {
        socket.close();
        throw new Error('the connection was accepted');
      },
      (e: Error & { data?: unknown }) => e,
    );
    return { message: err.message, data: err.data, ms: Date.now() - started };
  };
  const unavailable = { message: 'unavailable', data: { code: 503, message: expect.any(String) } };
  const unauthorized = { message: 'unauthorized', data: { code: 401, message: expect.any(String) } };

  beforeAll(async () => {
    await stack.start();
    await pgProxy.start();
    await redisProxy.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    // Apps no connection has used yet: the gateway must ask Postgres about each.
    for (const app of [APP, 'fresh-1', 'fresh-2', 'fresh-3', 'fresh-4']) await fx.app(app);
    await fx.channel(APP, 'news', { persistent: true });
    const svc = await stack.startService('gateway', {
      DATABASE_URL: pgProxy.url(stack.databaseUrl),
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}/0`,
      HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS),
    });
    url = svc.url;
  }, 120_000);

  afterEach(() => {
    pgProxy.restore();
    redisProxy.restore();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
    await pgProxy.close();
    await redisProxy.close();
  });

  it('Postgres refused: new connections get unavailable, connected clients keep publishing and receiving', async () => {
    const alice = await connect(APP, 'alice');
    const bob = await connect(APP, 'bob');
    for (const s of [alice, bob]) {
      expect(await call(s, 'subscribe', { channels: ['news'] })).toMatchObject({ ok: true });
    }
    const got = collect<{ payload: unknown }>(bob, 'event');
    // The first publish fills the channel's gate in Redis from Postgres; later ones need Redis only.
    expect(
      await call(alice, 'publish', { channelID: 'news', eventType: 't', payload: 'before' }),
    ).toMatchObject({ ok: true });

    pgProxy.cut();
    expect(await refusal('fresh-1')).toMatchObject(unavailable);
    // A token that is bad is still refused as such: that needs no database.
    expect(await refusal('fresh-1', 'garbage')).toMatchObject(unauthorized);
    // Events on a channel the gateway knows need Redis only (an acked one is queued there for the writer).
    expect(
      await call(alice, 'publish', { channelID: 'news', eventType: 't', payload: 'during' }),
    ).toMatchObject({ ok: true, offset: expect.any(Number) });
    await eventually(() => got.some((e) => e.payload === 'during'), 'the event published during the outage');

    pgProxy.restore();
    const back = await eventuallyConnects(() => connect('fresh-1', 'carol'));
    expect(back.connected).toBe(true);
  });

  it('Redis refused: new connections get unavailable, then are accepted once it is back', async () => {
    const alice = await connect(APP, 'alice', { reconnection: true });
    redisProxy.cut();
    expect(await refusal('fresh-2')).toMatchObject(unavailable);
    expect(await refusal(APP)).toMatchObject(unavailable);
    expect(await refusal(APP, stack.clientToken('other-app', 'x'))).toMatchObject(unauthorized);
    redisProxy.restore();
    const back = await eventuallyConnects(() => connect('fresh-2', 'carol'));
    expect(back.connected).toBe(true);
    // The client that lived through the outage publishes again (had it been subscribed to a
    // channel, the gateway would have closed its connection for recovery once its Redis
    // subscription was back, and the client would have reconnected by itself).
    await eventually(
      async () => {
        try {
          const ack = await call<{ ok: boolean }>(
            alice,
            'publish',
            { channelID: 'news', eventType: 't', payload: 'after' },
            2_000,
          );
          return ack.ok;
        } catch {
          return false;
        }
      },
      'a publish by the client that lived through the outage',
      20_000,
    );
  });

  it('Postgres or Redis hanging: the handshake is refused with unavailable after its timeout, not held', async () => {
    pgProxy.stall();
    const pg = await refusal('fresh-3');
    pgProxy.restore();
    expect(pg).toMatchObject(unavailable);
    // Answered by the server's deadline, well before the client's own 10 s connect timeout.
    expect(pg.ms).toBeLessThan(9_000);

    redisProxy.stall();
    const redis = await refusal('fresh-4');
    redisProxy.restore();
    expect(redis).toMatchObject(unavailable);
    expect(redis.ms).toBeLessThan(9_000);

    for (const app of ['fresh-3', 'fresh-4']) {
      expect((await eventuallyConnects(() => connect(app, 'dave'))).connected).toBe(true);
    }
  });
});

/** Retries `open` (as a socket.io client would) until it connects. */
async function eventuallyConnects(open: () => Promise<Socket>, timeoutMs = 20_000): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await open();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
