import {
  call,
  collect,
  connectClient,
  eventually,
  Fixtures,
  sleep,
  Stack,
  startFrontDoor,
  type FrontDoor,
} from '@channels/testing';
import { io, type Socket } from 'socket.io-client';

interface Ev {
  offset: number;
  epoch: string;
  payload: unknown;
}
interface SubAck {
  ok: boolean;
  results: Record<string, { ok: boolean; offset: number; epoch: string; recovered?: boolean; events?: Ev[] }>;
}

/**
 * Recovery (spec §3): a subscribe with `recover` returns every stored event after the given offset,
 * then live events follow with no gap and no duplicate — also when the client's gateway was killed
 * with SIGKILL and it reconnects through the front door to another gateway.
 */
describe('recovery after a disconnect and after a killed gateway', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    serviceEnv: { gateway: { HOT_WINDOW_SIZE: '50' } },
  });
  let fx: Fixtures;
  let frontDoor: FrontDoor | undefined;
  let frontDoorUrl = '';
  const sockets: Socket[] = [];
  const APP = 'recov';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, 'feed', { persistent: true });
    await fx.channel(APP, 'long', { persistent: true });
    frontDoor = await startFrontDoor(stack);
    frontDoorUrl = frontDoor.url;
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    frontDoor?.stop();
    await fx?.close();
    await stack.stop();
  });

  const publisher = async () => {
    const r = await connectClient(stack.url('gateway', 1), { token: stack.adminToken(APP), appID: APP });
    sockets.push(r.socket);
    return r.socket;
  };

  it('returns the missed events in order, then continues live without gap or duplicate', async () => {
    const pub = await publisher();
    const first = await connectClient(stack.url('gateway', 0), {
      token: stack.clientToken(APP, 'reader'),
      appID: APP,
    });
    const sub = (await call<SubAck>(first.socket, 'subscribe', { channels: ['feed'] })).results['feed'];
    const seen = collect<Ev>(first.socket, 'event');
    for (let i = 0; i < 3; i++)
      await call(pub, 'publish', { channelID: 'feed', eventType: 't', payload: `a${i}` });
    await eventually(() => seen.length === 3, 'three live events');
    first.socket.close();
    const last = seen[2];
    for (let i = 0; i < 5; i++)
      await call(pub, 'publish', { channelID: 'feed', eventType: 't', payload: `b${i}` });

    const again = await connectClient(stack.url('gateway', 1), {
      token: stack.clientToken(APP, 'reader'),
      appID: APP,
    });
    sockets.push(again.socket);
    const live = collect<Ev>(again.socket, 'event');
    // Publish concurrently with the recovering subscribe: every event must arrive exactly once.
    const racing = (async () => {
      for (let i = 0; i < 10; i++)
        await call(pub, 'publish', { channelID: 'feed', eventType: 't', payload: `c${i}` });
    })();
    const ack = (
      await call<SubAck>(again.socket, 'subscribe', {
        channels: ['feed'],
        recover: { feed: { offset: last.offset, epoch: sub.epoch } },
      })
    ).results['feed'];
    await racing;
    expect(ack).toMatchObject({ ok: true, recovered: true, epoch: sub.epoch });
    await eventually(() => (ack.events?.length ?? 0) + live.length >= 15, 'recovered + live = 15 events');
    await sleep(300);
    const all = [...(ack.events ?? []), ...live];
    expect(all.map((e) => e.offset)).toEqual(Array.from({ length: 15 }, (_, i) => last.offset + 1 + i));
    expect(all.slice(0, 5).map((e) => e.payload)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('recovers beyond the hot window from Postgres', async () => {
    const pub = await publisher();
    const acks: { offset: number; epoch: string }[] = [];
    for (let i = 0; i < 120; i++)
      acks.push(await call(pub, 'publish', { channelID: 'long', eventType: 't', payload: i }));
    // The window holds 50: offsets after acks[9] are partly only in Postgres once the writer stored them.
    await eventually(
      async () => (await fx.storedEvents(APP, 'long')).length === 120,
      'writer stored 120 events',
      20_000,
    );
    const r = await connectClient(stack.url('gateway', 0), {
      token: stack.clientToken(APP, 'late'),
      appID: APP,
    });
    sockets.push(r.socket);
    const ack = (
      await call<SubAck>(r.socket, 'subscribe', {
        channels: ['long'],
        recover: { long: { offset: acks[9].offset, epoch: acks[9].epoch } },
      })
    ).results['long'];
    expect(ack.recovered).toBe(true);
    expect(ack.events?.map((e) => e.payload)).toEqual(Array.from({ length: 110 }, (_, i) => i + 10));
  });

  it('answers recovered:false when the epoch changed', async () => {
    const r = await connectClient(stack.url('gateway', 0), {
      token: stack.clientToken(APP, 'stale'),
      appID: APP,
    });
    sockets.push(r.socket);
    const ack = (
      await call<SubAck>(r.socket, 'subscribe', {
        channels: ['feed'],
        recover: { feed: { offset: 1, epoch: 'not-the-epoch' } },
      })
    ).results['feed'];
    expect(ack).toMatchObject({
      ok: true,
      recovered: false,
      epoch: expect.any(String),
      offset: expect.any(Number),
    });
    expect(ack.events).toBeUndefined();
  });

  it('a client whose gateway is killed -9 reconnects through the front door and misses nothing', async () => {
    const pub = await publisher(); // on gateway 2 (index 1), which survives
    const victim = stack.all('gateway')[0];
    // Connect through the front door until the session lands on the victim gateway.
    let client: Socket | undefined;
    for (let i = 0; i < 10 && !client; i++) {
      const s = io(frontDoorUrl, {
        auth: { token: stack.clientToken(APP, 'mobile'), appID: APP },
        transports: ['polling', 'websocket'],
        forceNew: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
      });
      await new Promise((resolve) => s.once('ready', resolve));
      const sid = (s.io.engine as unknown as { id: string }).id;
      if (sid.startsWith(`${victim.env['GATEWAY_ID']}.`)) client = s;
      else s.close();
    }
    if (!client) throw new Error('front door never routed to the victim gateway');
    sockets.push(client);
    const received: Ev[] = [];
    let position = { offset: 0, epoch: '' };
    const subscribe = async () => {
      const ack = (
        await call<SubAck>(client as Socket, 'subscribe', {
          channels: ['feed'],
          ...(position.epoch ? { recover: { feed: position } } : {}),
        })
      ).results['feed'];
      for (const e of ack.events ?? []) received.push(e);
      position = { offset: received.at(-1)?.offset ?? ack.offset, epoch: ack.epoch };
      return ack;
    };
    client.on('event', (e: Ev) => {
      received.push(e);
      position = { offset: e.offset, epoch: e.epoch };
    });
    const firstAck = await subscribe();
    const startOffset = firstAck.offset;
    const reconnected = new Promise<void>((resolve) =>
      client?.once(
        'ready',
        () =>
          void subscribe().then((a) => {
            expect(a.recovered).toBe(true);
            resolve();
          }),
      ),
    );

    const published: number[] = [];
    const publishing = (async () => {
      for (let i = 0; i < 40; i++) {
        published.push(
          (
            await call<{ offset: number }>(pub, 'publish', {
              channelID: 'feed',
              eventType: 't',
              payload: `k${i}`,
            })
          ).offset,
        );
        await sleep(20);
      }
    })();
    await sleep(200);
    stack.kill9(victim);
    await reconnected;
    await publishing;
    await eventually(() => received.length >= published.length, 'every published event received', 15_000);
    await sleep(300);
    const offsets = received.map((e) => e.offset);
    expect(offsets).toEqual(Array.from({ length: published.length }, (_, i) => startOffset + 1 + i));
    const sid = (client.io.engine as unknown as { id: string }).id;
    expect(sid.startsWith(`${victim.env['GATEWAY_ID']}.`)).toBe(false);
  });
});
