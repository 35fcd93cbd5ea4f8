import { call, eventually, Fixtures, sleep, Stack } from '@channels/testing';
import { GRACE_MS, PRESENCE_TEST_ENV, type PresenceClient, presenceClient } from './support/presence-client';

/**
 * Presence (protocol §3) with two gateways and one presence service: a client is online while any
 * of its devices is subscribed on any gateway; subscribers everywhere hear each change once; the
 * client never hears about itself; offline comes after the grace period.
 */
describe('online status across devices and gateways', () => {
  const stack = new Stack({ gateways: 2, writers: 0, adminApi: false, presences: 1, env: PRESENCE_TEST_ENV });
  const APP = 'pres';
  let fx: Fixtures;
  const clients: PresenceClient[] = [];
  const connect = async (gw: number, clientID: string, deviceID?: string) => {
    const c = await presenceClient(stack, gw, APP, clientID, deviceID);
    clients.push(c);
    return c;
  };

  let bob: PresenceClient;
  let alicePhone: PresenceClient;
  let aliceLaptop: PresenceClient;

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    for (const c of ['alice', 'bob', 'carol', 'dave', 'erin']) await fx.client(APP, c);
    await fx.channel(APP, 'lobby', { presence: true });
    await fx.channel(APP, 'plain', { presence: false });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await fx?.close();
    await stack.stop();
  });

  it('tells subscribers on every gateway once when a client comes online, and never tells the client itself', async () => {
    bob = await connect(0, 'bob');
    expect((await bob.subscribe(['lobby'])).results['lobby']?.ok).toBe(true);
    alicePhone = await connect(0, 'alice', 'phone');
    aliceLaptop = await connect(1, 'alice', 'laptop');
    await alicePhone.subscribe(['lobby']);
    await aliceLaptop.subscribe(['lobby']);

    await eventually(() => bob.heardAbout('alice').length > 0, 'bob hears alice come online');
    await sleep(500);
    expect(bob.heardAbout('alice')).toEqual(['alice:true']);
    const [online] = bob.online.filter((o) => o.clientID === 'alice');
    expect(online).toEqual({
      channelID: 'lobby',
      clientID: 'alice',
      status: true,
      timestamp: expect.any(Number),
    });
    expect(alicePhone.heardAbout('alice')).toEqual([]);
    expect(aliceLaptop.heardAbout('alice')).toEqual([]);
  });

  it('gives a subscriber on the other gateway the current statuses before its subscribe ack, and the same on request', async () => {
    const carol = await connect(1, 'carol');
    await carol.subscribe(['lobby']);

    expect(carol.order).toEqual(['initial:lobby', 'ack']);
    const [initial] = carol.initial;
    expect(initial.channelID).toBe('lobby');
    expect(initial.clientStatus['alice']).toEqual({ status: true, timestamp: expect.any(Number) });
    expect(initial.clientStatus['bob']).toEqual({ status: true, timestamp: expect.any(Number) });
    const asked = await call<{ ok: boolean; clientStatus: Record<string, { status: boolean }> }>(
      carol.socket,
      'presence',
      {
        channelID: 'lobby',
      },
    );
    expect(asked.ok).toBe(true);
    expect(asked.clientStatus['alice']?.status).toBe(true);
    expect(asked.clientStatus['bob']?.status).toBe(true);
  });

  it('keeps a client online while one device remains, and announces it offline once, after the grace period', async () => {
    const carol = clients.find((c) => c.clientID === 'carol');
    alicePhone.socket.close();
    await sleep(GRACE_MS + 1_000);
    expect(bob.heardAbout('alice')).toEqual(['alice:true']);

    aliceLaptop.socket.close();
    await sleep(GRACE_MS / 2);
    expect(bob.heardAbout('alice')).toEqual(['alice:true']);
    await eventually(
      () => bob.heardAbout('alice').length === 2,
      'bob hears alice go offline',
      GRACE_MS + 5_000,
    );
    await eventually(() => carol?.heardAbout('alice').length === 1, 'carol hears alice go offline');
    await sleep(500);

    expect(bob.heardAbout('alice')).toEqual(['alice:true', 'alice:false']);
    expect(carol?.heardAbout('alice')).toEqual(['alice:false']);
    const asked = await call<{ clientStatus: Record<string, { status: boolean }> }>(bob.socket, 'presence', {
      channelID: 'lobby',
    });
    expect(asked.clientStatus['alice']?.status).toBe(false);
  });

  it('produces no presence events on a channel without presence', async () => {
    const dave = await connect(0, 'dave');
    const erin = await connect(1, 'erin');
    await dave.subscribe(['plain']);
    await erin.subscribe(['plain']);
    await sleep(1_000);
    erin.socket.close();
    await sleep(GRACE_MS + 1_000);

    expect(dave.initial).toEqual([]);
    expect(dave.online.filter((o) => o.channelID === 'plain')).toEqual([]);
    const asked = await call<{ ok: boolean; clientStatus: Record<string, unknown> }>(
      dave.socket,
      'presence',
      { channelID: 'plain' },
    );
    expect(asked).toEqual({ ok: true, clientStatus: {} });
  });
});
