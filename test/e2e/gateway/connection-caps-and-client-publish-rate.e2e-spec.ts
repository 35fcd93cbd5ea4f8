import { call, connectClient, eventually, Fixtures, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';

const PER_CLIENT = 2;
const PER_APP = 4;
const BURST = 5;

/**
 * Abuse limits that hold across the gateway pool: a client, and an app, may hold only so many
 * connections whichever gateways they land on (`too_many_connections`, 429), a killed gateway's
 * connections stop counting by themselves, and a client's connections on a gateway share one
 * publish rate — opening more connections does not multiply it.
 */
describe('connection caps and the per-client publish rate on two gateways', () => {
  const stack = new Stack({
    gateways: 2,
    adminApi: false,
    writers: 0,
    presences: 0,
    serviceEnv: {
      gateway: {
        MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
        MAX_CONNECTIONS_PER_APP: String(PER_APP),
        PUBLISH_RATE_PER_SEC: '1',
        PUBLISH_RATE_BURST: String(BURST),
        PRESENCE_HEARTBEAT_MS: '300',
        PRESENCE_LEASE_MS: '1500',
      },
    },
  });
  let fx: Fixtures;
  const sockets: Socket[] = [];
  const APPS = ['caps-client', 'caps-app', 'caps-killed', 'caps-rate'];

  const connect = async (gw: number, appID: string, clientID: string) => {
    const r = await connectClient(stack.url('gateway', gw), {
      token: stack.clientToken(appID, clientID),
      appID,
    });
    sockets.push(r.socket);
    return r.socket;
  };
  const refusal = (gw: number, appID: string, clientID: string) =>
    connect(gw, appID, clientID).then(
      () => {
        throw new Error('the connection was accepted');
      },
      (e: Error & { data?: unknown }) => ({ message: e.message, data: e.data }),
    );
  const tooMany = (message: RegExp) => ({
    message: 'too_many_connections',
    data: { code: 429, message: expect.stringMatching(message) },
  });

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    for (const app of APPS) {
      await fx.app(app);
      await fx.channel(app, 'chat');
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  it("refuses a client's connection past its cap, counted across both gateways, until one closes", async () => {
    const APP = 'caps-client';
    const first = await connect(0, APP, 'alice');
    await connect(1, APP, 'alice');
    expect(await refusal(0, APP, 'alice')).toEqual(tooMany(/client/));
    expect(await refusal(1, APP, 'alice')).toEqual(tooMany(/client/));
    // Other clients of the app are not affected.
    await connect(0, APP, 'bob');
    first.close();
    let again: Socket | undefined;
    await eventually(async () => {
      again = await connect(1, APP, 'alice').catch(() => undefined);
      return again !== undefined;
    }, 'a connection accepted once one of the client closed');
    expect(again?.connected).toBe(true);
  });

  it("refuses an app's connection past its cap, counted across both gateways and clients", async () => {
    const APP = 'caps-app';
    for (let i = 0; i < PER_APP; i++) await connect(i % 2, APP, `c${i}`);
    expect(await refusal(0, APP, 'late')).toEqual(tooMany(/app/));
    expect(await refusal(1, APP, 'late')).toEqual(tooMany(/app/));
  });

  it("stops counting a killed gateway's connections once its lease expires", async () => {
    const APP = 'caps-killed';
    await connect(1, APP, 'alice');
    await connect(1, APP, 'alice');
    expect(await refusal(0, APP, 'alice')).toEqual(tooMany(/client/));
    stack.kill9(stack.all('gateway')[1]);
    await eventually(
      async () => (await connect(0, APP, 'alice').catch(() => undefined)) !== undefined,
      "a connection accepted once the killed gateway's lease expired",
      10_000,
    );
  });

  it("shares one publish rate between a client's connections", async () => {
    const APP = 'caps-rate';
    const mine = [await connect(0, APP, 'alice'), await connect(0, APP, 'alice')];
    const acks = await Promise.all(
      mine.flatMap((s) =>
        Array.from({ length: BURST }, (_v, i) =>
          call<{ ok: boolean; error?: { code: string } }>(s, 'publish', {
            channelID: 'chat',
            eventType: 't',
            payload: i,
          }),
        ),
      ),
    );
    const ok = acks.filter((a) => a.ok).length;
    // One burst for both connections (plus at most a token or two refilled meanwhile), not two.
    expect(ok).toBeGreaterThanOrEqual(BURST);
    expect(ok).toBeLessThan(2 * BURST);
    expect(acks.filter((a) => !a.ok).every((a) => a.error?.code === 'rate_limited')).toBe(true);
    // Another client has a rate of its own.
    const bob = await connect(0, APP, 'bob');
    expect(await call(bob, 'publish', { channelID: 'chat', eventType: 't', payload: 'b' })).toMatchObject({
      ok: true,
    });
  });
});
