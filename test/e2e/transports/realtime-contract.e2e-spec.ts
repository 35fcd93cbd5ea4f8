import { eventually, sleep, Stack } from '@channels/testing';
import { PRESENCE_TEST_ENV } from '../presence/support/presence-client';
import {
  DRIVERS,
  type MembershipNotice,
  type PresenceNotice,
  RefusedConnect,
  type RealtimeConnection,
  TRANSPORT_PAIRS,
  TRANSPORTS,
  type TransportName,
  waitForItem,
} from './support/realtime-driver';
import { World } from './support/world';

const other = (t: TransportName): TransportName => (t === 'socket.io' ? 'optimized' : 'socket.io');
const tag = (t: TransportName) => (t === 'socket.io' ? 'sio' : 'opt');
/** A client id (and channel id) unique to a scenario and its transports. */
const id = (base: string, ...ts: TransportName[]) => [base, ...ts.map(tag)].join('-');

/**
 * The realtime contract (protocol.md §3, original-wire.md) over both transports: every scenario
 * runs over socket.io and over `/optimized` through one driver interface, and the ones between two
 * connections over every pair of transports, on different gateways — auth refusals, subscribe
 * rules, fan-out once each and in order, stored and live-only publishes, closed channels, presence,
 * membership, channel and client deletion.
 */
describe('the realtime contract over socket.io and /optimized', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    env: PRESENCE_TEST_ENV,
    serviceEnv: { gateway: { TOKEN_EXPIRY_LEEWAY_MS: '0' } },
  });
  let world: World;
  let elsewhere: World;

  // Registered clients: shared ones, one per scenario and transport, one per scenario and pair.
  const shared = ['alice', 'bob', 'm1', 'm2'];
  const perTransport = ['store-pub', 'store-sub', 'closer', 'closer-sub'];
  const perPair = [
    'fan-pub',
    'fan-sub',
    'fan-sub2',
    'pres-a',
    'pres-b',
    'club-obs',
    'club-new',
    'del-x',
    'del-y',
    'gone',
  ];

  beforeAll(async () => {
    await stack.start();
    world = new World(stack, 'conform');
    elsewhere = new World(stack, 'elsewhere');
    await world.setup([
      ...shared,
      ...TRANSPORTS.flatMap((t) => perTransport.map((c) => id(c, t))),
      ...TRANSPORT_PAIRS.flatMap(([a, b]) => perPair.map((c) => id(c, a, b))),
    ]);
    await elsewhere.setup(['alice']);
    await world.createChannel('news', { persistent: true });
    await world.createChannel('vault', { persistent: true, private: true });
    await world.join('vault', 'alice');
    await elsewhere.createChannel('foreign', { persistent: true });
    await elsewhere.createChannel('news', { persistent: true });
  }, 120_000);

  afterAll(async () => {
    await world?.closeAll();
    await elsewhere?.closeAll();
    await stack.stop();
  });

  describe.each(TRANSPORTS)('over %s', (t) => {
    const driver = DRIVERS[t];

    it('refuses a bad token, an expired token and another app’s token as unauthorized; accepts a good one', async () => {
      const url = stack.url('gateway', 0);
      const attempts = {
        bad: driver.connect(url, { token: 'not-a-jwt', appID: world.app }),
        expired: driver.connect(url, { token: world.token('alice', -10), appID: world.app }),
        foreignApp: driver.connect(url, { token: elsewhere.token('alice'), appID: world.app }),
        unknownApp: driver.connect(url, {
          token: stack.clientToken('no-such-app', 'alice'),
          appID: 'no-such-app',
        }),
      };
      const outcomes: Record<string, string> = {};
      for (const [name, p] of Object.entries(attempts)) {
        outcomes[name] = await p.then(
          async (c) => {
            await c.close();
            return 'connected';
          },
          (e: unknown) => (e instanceof RefusedConnect ? e.outcome : `error: ${String(e)}`),
        );
      }
      expect(outcomes).toEqual({
        bad: 'unauthorized',
        expired: 'unauthorized',
        foreignApp: 'unauthorized',
        unknownApp: 'unauthorized',
      });
      const good = await world.connect(t, 1, 'alice');
      expect(good.isOpen).toBe(true);
      expect(good.clientID).toBe('alice');
    });

    it('subscribes to an open channel and, as a member, a private one; refuses a non-member, an unknown channel and another app’s channel', async () => {
      const alice = await world.connect(t, 0, 'alice');
      const bob = await world.connect(t, 1, 'bob');
      const results = {
        openAsMember: await alice.subscribe('news'),
        privateAsMember: await alice.subscribe('vault'),
        openAsNonMember: await bob.subscribe('news'),
        privateAsNonMember: await bob.subscribe('vault'),
        unknown: await bob.subscribe('no-such-channel'),
        otherAppsChannel: await bob.subscribe('foreign'),
      };
      expect(results).toEqual({
        openAsMember: true,
        privateAsMember: true,
        openAsNonMember: true,
        privateAsNonMember: false,
        unknown: false,
        otherAppsChannel: false,
      });
      // The refusals leave the connection serving: a member's event on the private channel
      // reaches alice and not bob.
      expect(await alice.publish('vault', 'secret', 'for members', { acked: true })).toBe(true);
      expect(await bob.publish('vault', 'secret', 'not a member', { acked: true })).toBe(false);
      await bob.publish('vault', 'secret', 'not a member, unacked', { acked: false });
      await waitForItem(alice.events, (e) => e.channelID === 'vault', 'the vault event');
      await sleep(200);
      expect(alice.payloads('vault')).toEqual(['for members']);
      expect(bob.events).toEqual([]);
      expect(bob.isOpen).toBe(true);
      // An admin of the app may subscribe to any of its channels.
      const admin = await DRIVERS[t].connect(stack.url('gateway', 1), {
        token: world.admin,
        appID: world.app,
      });
      expect(await admin.subscribe('vault')).toBe(true);
      await admin.close();
    });

    it('delivers each event once to a connection that subscribed to the channel twice', async () => {
      const c = await world.subscriber(t, 0, 'bob', ['news', 'news']);
      await world.httpPublish('news', 'twice', `once to ${t}`);
      await waitForItem(c.events, (e) => e.payload === `once to ${t}`, 'the event');
      await sleep(300);
      expect(c.payloads('news').filter((p) => p === `once to ${t}`)).toHaveLength(1);
    });

    it('closes a connection whose token expires', async () => {
      const c = await driver.connect(stack.url('gateway', 0), {
        token: world.token('bob', 2),
        appID: world.app,
      });
      const longLived = await world.connect(t, 0, 'bob');
      const ended = await Promise.race([c.ended, sleep(6_000).then(() => 'still open')]);
      expect(ended).toEqual({ byServer: true, detail: expect.any(String) });
      expect(longLived.isOpen).toBe(true);
    });

    it('keeps apps apart: a channel of the same id in another app hears nothing', async () => {
      const here = await world.subscriber(other(t), 0, 'alice', ['news']);
      const there = await elsewhere.subscriber(t, 1, 'alice', ['news']);
      const pub = await world.connect(t, 1, 'bob');
      expect(await pub.publish('news', 'scoped', `only in ${world.app}`, { acked: true })).toBe(true);
      await waitForItem(here.events, (e) => e.payload === `only in ${world.app}`, 'the event in its own app');
      await sleep(300);
      expect(there.events).toEqual([]);
    });

    it('stores an acked publish (readable through admin-api history) and delivers an unacked one live only', async () => {
      const channel = id('stored', t);
      await world.createChannel(channel, { persistent: true });
      const sub = await world.subscriber(other(t), 1, id('store-sub', t), [channel]);
      const pub = await world.connect(t, 0, id('store-pub', t));
      expect(await pub.publish(channel, 'note', 'live only', { acked: false })).toBeUndefined();
      await waitForItem(sub.events, (e) => e.payload === 'live only', 'the unacked event, live');
      expect(await pub.publish(channel, 'note', 'kept', { acked: true })).toBe(true);
      await waitForItem(sub.events, (e) => e.payload === 'kept', 'the acked event, live');
      // Ack means stored: it is in the history as soon as it was acknowledged; the other never is.
      expect(await world.history(channel)).toEqual(['kept']);
      expect(sub.events.map((e) => [e.eventType, e.payload, e.senderID])).toEqual([
        ['note', 'live only', id('store-pub', t)],
        ['note', 'kept', id('store-pub', t)],
      ]);
    });

    it('a closed channel refuses publishing (its subscribers stay) until reopened', async () => {
      const channel = id('closable', t);
      await world.createChannel(channel, { persistent: true });
      const sub = await world.subscriber(other(t), 1, id('closer-sub', t), [channel]);
      const pub = await world.subscriber(t, 0, id('closer', t), [channel]);
      expect(await pub.publish(channel, 'n', 'before', { acked: true })).toBe(true);
      // Once admin-api answered, the channel is closed on every gateway.
      await world.closeChannel(channel);
      expect(await pub.publish(channel, 'n', 'while closed', { acked: true })).toBe(false);
      expect(await sub.publish(channel, 'n', 'while closed', { acked: true })).toBe(false);
      await pub.publish(channel, 'n', 'while closed, unacked', { acked: false });
      // A new subscriber may still subscribe to read it.
      expect(await (await world.connect(t, 1, 'bob')).subscribe(channel)).toBe(true);
      await world.openChannel(channel);
      expect(await pub.publish(channel, 'n', 'reopened', { acked: true })).toBe(true);
      await waitForItem(sub.events, (e) => e.payload === 'reopened', 'the event after reopening');
      await sleep(200);
      expect(sub.payloads(channel)).toEqual(['before', 'reopened']);
      expect(await world.history(channel)).toEqual(['before', 'reopened']);
    });
  });

  describe.each(TRANSPORT_PAIRS)('first over %s, second over %s', (a, b) => {
    it('fans out across gateways to every subscriber once, in order, and to the publisher’s other devices', async () => {
      const channel = id('fan', a, b);
      const pubID = id('fan-pub', a, b);
      await world.createChannel(channel, { persistent: true });
      // The publisher (subscribed itself) on gateway 0; its other device over the other transport on
      // gateway 1; subscribers over b on both gateways and over a on gateway 1.
      const pub = await world.subscriber(a, 0, pubID, [channel]);
      const pubOtherDevice = await world.subscriber(b, 1, pubID, [channel]);
      const subs = [
        await world.subscriber(b, 0, id('fan-sub', a, b), [channel]),
        await world.subscriber(b, 1, id('fan-sub', a, b), [channel]),
        await world.subscriber(a, 1, id('fan-sub2', a, b), [channel]),
      ];
      const sent: string[] = [];
      for (let i = 1; i <= 15; i++) {
        sent.push(`${a}→${b} #${i}`);
        expect(await pub.publish(channel, 'seq', `${a}→${b} #${i}`, { acked: true })).toBe(true);
      }
      const everyone = [pub, pubOtherDevice, ...subs];
      await eventually(
        () => everyone.every((c) => c.events.length >= sent.length),
        'every connection got all 15',
      );
      await sleep(300);
      for (const c of everyone) {
        expect({ who: `${c.transport}:${c.clientID}`, got: c.payloads(channel) }).toEqual({
          who: `${c.transport}:${c.clientID}`,
          got: sent,
        });
        for (const e of c.events)
          expect(e).toMatchObject({ channelID: channel, eventType: 'seq', senderID: pubID });
        const offsets = c.events.map((e) => e.offset);
        if (c.transport === 'socket.io') expect(offsets).toEqual(sent.map((_, i) => i + 1));
        for (const e of c.events) expect(Math.abs(e.seconds - Date.now() / 1000)).toBeLessThan(60);
      }
    });

    it('presence: initial status on subscribe, then online and offline of the other, across gateways', async () => {
      const channel = id('lobby', a, b);
      const [aID, bID] = [id('pres-a', a, b), id('pres-b', a, b)];
      await world.createChannel(channel, { presence: true });
      const first = await world.subscriber(a, 0, aID, [channel]);
      const initialA = first.presence.find((p) => p.kind === 'initial');
      expect(initialA).toMatchObject({ kind: 'initial', channelID: channel });
      expect(first.order).toEqual([`initial:${channel}`, `subscribed:${channel}`]);

      // Presence is counted by the presence service; once it lists a, a newcomer's initial status does.
      await eventually(async () => (await world.online(channel)).includes(aID), `${aID} online`);

      const second = await world.subscriber(b, 1, bID, [channel]);
      // The initial status reaches b before its subscribe answer, with a online in it.
      expect(second.order).toEqual([`initial:${channel}`, `subscribed:${channel}`]);
      expect(second.presence[0]).toEqual({
        kind: 'initial',
        channelID: channel,
        clientStatus: { [aID]: true },
      });
      await waitForItem(
        first.presence,
        (p) => p.kind === 'online' && p.clientID === bID,
        `${aID} hears ${bID} online`,
      );

      await second.close();
      await waitForItem(
        first.presence,
        (p) => p.kind === 'offline' && p.clientID === bID,
        `${aID} hears ${bID} offline`,
        10_000,
      );
      const notices = (c: RealtimeConnection) =>
        c.presence.filter((p): p is Exclude<PresenceNotice, { kind: 'initial' }> => p.kind !== 'initial');
      // Nobody hears about itself; a hears b once each way.
      expect(notices(first).map((p) => `${p.kind}:${p.clientID}`)).toEqual([
        `online:${bID}`,
        `offline:${bID}`,
      ]);
      expect(notices(second).filter((p) => p.clientID === bID)).toEqual([]);
    });

    it('membership: new_channel and remove_channel to the client, join and leave to the channel’s subscribers', async () => {
      const channel = id('club', a, b);
      const [obsID, newID] = [id('club-obs', a, b), id('club-new', a, b)];
      await world.createChannel(channel, { private: true, presence: true });
      await world.join(channel, obsID);
      const observer = await world.subscriber(a, 0, obsID, [channel]);
      const newcomer = await world.connect(b, 1, newID);
      expect(await newcomer.subscribe(channel)).toBe(false);

      await world.join(channel, newID);
      await waitForItem(newcomer.membership, (m) => m.kind === 'new_channel', 'new_channel to the newcomer');
      await waitForItem(observer.membership, (m) => m.kind === 'join', 'join to the observer');
      expect(await newcomer.subscribe(channel)).toBe(true);

      await world.leave(channel, newID);
      await waitForItem(
        newcomer.membership,
        (m) => m.kind === 'remove_channel',
        'remove_channel to the newcomer',
      );
      await waitForItem(observer.membership, (m) => m.kind === 'leave', 'leave to the observer');
      await sleep(300);
      expect(newcomer.membership).toEqual<MembershipNotice[]>([
        { kind: 'new_channel', channelID: channel },
        { kind: 'remove_channel', channelID: channel },
      ]);
      expect(observer.membership).toEqual<MembershipNotice[]>([
        { kind: 'join', channelID: channel, clientID: newID },
        { kind: 'leave', channelID: channel, clientID: newID },
      ]);
      // Removed, it is unsubscribed: the channel's next event does not reach it.
      await world.httpPublish(channel, 'after', 'members only');
      await waitForItem(observer.events, (e) => e.payload === 'members only', 'the observer gets the event');
      await sleep(200);
      expect(newcomer.payloads(channel)).toEqual([]);
    });

    it('deleting a channel through admin-api sends remove_channel once to every subscriber and member device', async () => {
      const channel = id('doomed', a, b);
      const [x, y] = [id('del-x', a, b), id('del-y', a, b)];
      await world.createChannel(channel, { private: true, persistent: true });
      await world.join(channel, x);
      await world.join(channel, y);
      const conns = [
        await world.subscriber(a, 0, x, [channel]),
        await world.subscriber(b, 1, y, [channel]),
        await world.connect(a, 1, y), // a member's idle device
      ];
      await world.deleteChannel(channel);
      await eventually(
        () => conns.every((c) => c.membership.some((m) => m.kind === 'remove_channel')),
        'remove_channel on every connection',
      );
      await sleep(300);
      for (const c of conns) expect(c.membership).toEqual([{ kind: 'remove_channel', channelID: channel }]);
      expect(await conns[0].publish(channel, 'x', 'gone', { acked: true })).toBe(false);
      expect(await conns[1].subscribe(channel)).toBe(false);
    });

    it('deleting a client closes its connections on both transports and gateways, and refuses it afterwards', async () => {
      const clientID = id('gone', a, b);
      // A token issued before the deletion is revoked by it (one issued later is a new client's).
      const token = world.token(clientID);
      const devices = [await world.connect(a, 0, clientID, 'd1'), await world.connect(b, 1, clientID, 'd2')];
      const bystander = await world.connect(b, 0, 'bob');
      await world.deleteClient(clientID);
      const ended = await Promise.all(
        devices.map((d) => Promise.race([d.ended, sleep(10_000).then(() => 'still open')])),
      );
      expect(ended).toEqual([
        { byServer: true, detail: expect.any(String) },
        { byServer: true, detail: expect.any(String) },
      ]);
      expect(bystander.isOpen).toBe(true);
      for (const t of [a, b]) {
        const again = await DRIVERS[t].connect(stack.url('gateway', 0), { token, appID: world.app }).then(
          async (c) => {
            await c.close();
            return 'connected';
          },
          (e: unknown) => (e instanceof RefusedConnect ? e.outcome : String(e)),
        );
        expect({ t, again }).toEqual({ t, again: 'unauthorized' });
      }
    });
  });

  it('two publishers on different transports and gateways, plus HTTP: every subscriber of both transports sees the same events once, in offset order', async () => {
    await world.createChannel('mixed', { persistent: true });
    const pubs = [await world.connect('socket.io', 0, 'm1'), await world.connect('optimized', 1, 'm2')];
    const subs = [
      await world.subscriber('socket.io', 0, 'alice', ['mixed']),
      await world.subscriber('socket.io', 1, 'bob', ['mixed']),
      await world.subscriber('optimized', 0, 'alice', ['mixed']),
      await world.subscriber('optimized', 1, 'bob', ['mixed']),
    ];
    // The two publish at once, each one event after the other; HTTP joins in midway.
    const results = await Promise.all([
      ...pubs.map(async (p, k) => {
        const oks: (boolean | undefined)[] = [];
        for (let i = 1; i <= 20; i++) oks.push(await p.publish('mixed', 'm', `p${k}-${i}`, { acked: true }));
        return oks;
      }),
      sleep(20).then(() => world.httpPublish('mixed', 'm', 'over http')),
    ]);
    expect(results.slice(0, 2)).toEqual([Array(20).fill(true), Array(20).fill(true)]);
    await eventually(() => subs.every((s) => s.events.length >= 41), 'all 41 events everywhere');
    await sleep(300);
    const reference = subs[0].events;
    // socket.io carries offsets: 1..41, each once, ascending.
    expect(reference.map((e) => e.offset)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    // Every subscriber — either transport, either gateway — has the same sequence.
    for (const s of subs) expect(s.payloads('mixed')).toEqual(reference.map((e) => e.payload));
    // Each publisher's own events keep its order.
    for (const k of [0, 1]) {
      const mine = reference.map((e) => e.payload as string).filter((p) => p.startsWith(`p${k}-`));
      expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => `p${k}-${i + 1}`));
    }
    expect(reference.find((e) => e.payload === 'over http')?.senderID).toBe('admin');
  });

  it('an HTTP publish reaches both transports, its payload as each protocol gives it', async () => {
    const subs = [
      await world.subscriber('socket.io', 0, 'alice', ['news']),
      await world.subscriber('optimized', 1, 'alice', ['news']),
    ];
    const payload = { text: 'héllo', n: 42.5, list: [1, 'two', null], nested: { ok: true } };
    await world.httpPublish('news', 'json', payload);
    const got = await Promise.all(
      subs.map((s) => waitForItem(s.events, (e) => e.eventType === 'json', `the event on ${s.transport}`)),
    );
    // socket.io: the JSON value; /optimized: its JSON text.
    expect(got[0]).toMatchObject({ senderID: 'admin', payload: JSON.parse(JSON.stringify(payload)) });
    expect(got[1]).toMatchObject({ senderID: 'admin', payload: expect.any(String) });
    expect(JSON.parse(got[1].payload as string)).toEqual(got[0].payload);
  });

  it('presence counts a client online while any of its devices, on either transport and gateway, is subscribed', async () => {
    await world.createChannel('hall', { presence: true });
    const observer = await world.subscriber('optimized', 0, 'alice', ['hall']);
    const devices = [
      await world.subscriber('socket.io', 1, 'bob', ['hall']),
      await world.subscriber('optimized', 0, 'bob', ['hall']),
    ];
    await waitForItem(observer.presence, (p) => p.kind === 'online' && p.clientID === 'bob', 'bob online');
    // One device goes: bob stays online (nothing is announced after the grace period).
    await devices[0].close();
    await sleep(Number(PRESENCE_TEST_ENV['PRESENCE_GRACE_MS']) + 1_000);
    expect(observer.presence.filter((p) => p.kind !== 'initial').map((p) => p.kind)).toEqual(['online']);
    expect(await world.online('hall')).toEqual(['alice', 'bob']);
    // The other goes too: bob is announced offline, once.
    await devices[1].close();
    await waitForItem(observer.presence, (p) => p.kind === 'offline' && p.clientID === 'bob', 'bob offline');
    await sleep(300);
    expect(observer.presence.filter((p) => p.kind !== 'initial').map((p) => p.kind)).toEqual([
      'online',
      'offline',
    ]);
  });
});
