import { call, collect, connectClient, eventually, sleep, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from './support/http';

type Ev = { channelID: string; offset?: number; epoch?: string; payload: unknown };
type SubAck = {
  ok: boolean;
  results: Record<string, { ok: boolean; offset?: number; epoch?: string; error?: { code: string } }>;
};
type Status = { channelID: string; clientID: string; status: boolean };

const GRACE_MS = 1_000;

/**
 * Channel settings changed and channels deleted through admin-api apply to connections that are
 * already open, on every gateway, as they would to new ones: a channel made private drops its
 * non-member subscribers, presence turned on registers the subscribers and turned off forgets them
 * without announcing anyone offline, persistence turned on stores (and numbers) the next events,
 * and deleting a channel tells every device of every member and every subscriber, once.
 */
describe('channel changes apply to live connections on every gateway', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    env: { PRESENCE_GRACE_MS: String(GRACE_MS), PRESENCE_POLL_MS: '20' },
  });
  const sockets: Socket[] = [];
  let http: Http;
  let admin: string;
  const app = 'settings';

  const connect = async (gateway: number, token: string) => {
    const c = await connectClient(stack.url('gateway', gateway), { token, appID: app });
    sockets.push(c.socket);
    return c.socket;
  };
  const client = (gateway: number, clientID: string) => connect(gateway, stack.clientToken(app, clientID));
  const subscribe = async (s: Socket, channelID: string) => {
    const ack = await call<SubAck>(s, 'subscribe', { channels: [channelID] });
    expect(ack.results[channelID]).toMatchObject({ ok: true });
    return ack.results[channelID];
  };
  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const r = await p;
    expect({ status: r.status, text: r.text }).toEqual({ status, text: expect.any(String) });
    return r;
  };
  const createChannel = (channelID: string, flags: Record<string, boolean> = {}) =>
    ok(http.post('/channel', { token: admin, appID: app, body: { channelID, ...flags } }), 201);
  const patch = (channelID: string, body: Record<string, boolean>) =>
    ok(http.patch(`/v1/apps/${app}/channels/${channelID}`, { token: admin, body }));
  const publish = (channelID: string, payload: unknown) =>
    ok(
      http.post(`/v1/apps/${app}/channels/${channelID}/events`, {
        token: admin,
        body: { eventType: 't', payload },
      }),
      201,
    );

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    await ok(http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'Settings' } }));
    for (const clientID of ['alice', 'bob', 'carol'])
      await ok(http.post('/client', { token: admin, appID: app, body: { clientID } }));
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('making an open channel private ends the subscriptions of non-members on both gateways; members and admins keep theirs', async () => {
    await createChannel('lounge', { persistent: true });
    await ok(http.post('/channel/lounge/join/alice', { token: admin, appID: app }));
    const alice = await client(0, 'alice');
    const bob1 = await client(0, 'bob');
    const bob2 = await client(1, 'bob');
    const adm = await connect(1, admin);
    for (const s of [alice, bob1, bob2, adm]) await subscribe(s, 'lounge');
    const removed = [alice, bob1, bob2, adm].map((s) => collect(s, 'remove_channel'));
    const events = [alice, bob1, bob2, adm].map((s) => collect<Ev>(s, 'event'));

    await patch('lounge', { private: true });
    await eventually(() => removed[1].length === 1 && removed[2].length === 1, 'bob told on both gateways');
    await publish('lounge', 'members only');
    await eventually(() => events[0].length === 1 && events[3].length === 1, 'alice and the admin receive');
    await sleep(300);
    expect(removed.map((r) => r.length)).toEqual([0, 1, 1, 0]);
    expect(removed[2]).toEqual([{ channelID: 'lounge' }]);
    expect(events.map((e) => e.map((x) => x.payload))).toEqual([['members only'], [], [], ['members only']]);
    const again = await call<SubAck>(bob2, 'subscribe', { channels: ['lounge'] });
    expect(again.results['lounge']).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('presence turned on (batch update_channel) registers existing subscribers on both gateways; turned off forgets them without announcing anyone offline', async () => {
    await createChannel('plaza');
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await subscribe(alice, 'plaza');
    await subscribe(bob, 'plaza');
    const initial = [alice, bob].map((s) => collect<{ channelID: string }>(s, 'initial_online_status'));
    const statusA = collect<Status>(alice, 'online_status');
    const statusB = collect<Status>(bob, 'online_status');

    const r = await http.post<{ results: { ok: boolean }[] }>('/v1/batch', {
      token: admin,
      body: {
        commands: [{ method: 'update_channel', params: { appID: app, channelID: 'plaza', presence: true } }],
      },
    });
    expect(r.body.results).toEqual([expect.objectContaining({ ok: true })]);
    await eventually(() => initial.every((i) => i.length === 1), 'initial_online_status on both gateways');
    expect(initial[1][0]).toMatchObject({ channelID: 'plaza', clientStatus: expect.any(Object) });
    // Each hears the other come online, as subscribers of a presence channel do.
    await eventually(
      () =>
        statusA.some((s) => s.clientID === 'bob' && s.status) &&
        statusB.some((s) => s.clientID === 'alice' && s.status),
      'online_status for the other subscriber',
    );
    const presence = await call<{ ok: boolean; clientStatus: Record<string, { status: boolean }> }>(
      alice,
      'presence',
      { channelID: 'plaza' },
    );
    expect(presence.clientStatus).toMatchObject({ alice: { status: true }, bob: { status: true } });

    // Off: bob leaves meanwhile; nobody is announced offline, now or after the grace period.
    await patch('plaza', { presence: false });
    await sleep(300);
    bob.close();
    await sleep(GRACE_MS * 2 + 500);
    expect([...statusA, ...statusB].filter((s) => !s.status)).toEqual([]);

    // On again: who is subscribed now is registered afresh; bob, gone, is not listed at all.
    initial[0].length = 0;
    await patch('plaza', { presence: true });
    await eventually(() => initial[0].length === 1, 'initial_online_status again');
    let status: Record<string, { status: boolean }> = {};
    await eventually(async () => {
      status = (
        await call<{ clientStatus: Record<string, { status: boolean }> }>(alice, 'presence', {
          channelID: 'plaza',
        })
      ).clientStatus;
      return status['alice']?.status === true;
    }, 'alice online again');
    expect(Object.keys(status)).toEqual(['alice']);
  });

  it('persistence turned on numbers and stores the next events for existing subscribers on both gateways; turned off stops storing', async () => {
    await createChannel('feed');
    const a = await client(0, 'alice');
    const b = await client(1, 'bob');
    expect(await subscribe(a, 'feed')).toEqual({ ok: true });
    await subscribe(b, 'feed');
    const evA = collect<Ev>(a, 'event');
    const evB = collect<Ev>(b, 'event');
    const before = await call<{ ok: boolean; offset?: number }>(a, 'publish', {
      channelID: 'feed',
      eventType: 't',
      payload: 'live only',
    });
    expect(before).toMatchObject({ ok: true });
    expect(before.offset).toBeUndefined();

    await patch('feed', { persistent: true });
    const first = await call<{ ok: boolean; offset?: number; epoch?: string }>(b, 'publish', {
      channelID: 'feed',
      eventType: 't',
      payload: 'stored 1',
    });
    expect(first).toMatchObject({ ok: true, offset: 1, epoch: expect.any(String) });
    await publish('feed', 'stored 2');
    await eventually(() => evA.length === 3 && evB.length === 3, 'three events on both gateways');
    for (const got of [evA, evB]) {
      expect(got.map((e) => [e.payload, e.offset])).toEqual([
        ['live only', undefined],
        ['stored 1', 1],
        ['stored 2', 2],
      ]);
    }
    // The positions recover like any persistent channel's.
    const late = await client(1, 'carol');
    const rec = await call<SubAck>(late, 'subscribe', {
      channels: ['feed'],
      recover: { feed: { offset: 1, epoch: first.epoch } },
    });
    expect(rec.results['feed']).toMatchObject({ ok: true, recovered: true, offset: 2 });
    const hist = await call<{ events: Ev[] }>(a, 'history', { channelID: 'feed', limit: 10 });
    expect(hist.events.map((e) => e.payload).sort()).toEqual(['stored 1', 'stored 2']);

    await patch('feed', { persistent: false });
    const after = await call<{ ok: boolean; offset?: number }>(a, 'publish', {
      channelID: 'feed',
      eventType: 't',
      payload: 'live again',
    });
    expect(after).toMatchObject({ ok: true });
    expect(after.offset).toBeUndefined();
  });

  it('deleting a channel tells every device of every member, subscribed or not, and every subscriber — once each', async () => {
    await createChannel('team', { private: true, persistent: true });
    for (const m of ['alice', 'bob'])
      await ok(http.post(`/channel/team/join/${m}`, { token: admin, appID: app }));
    const aliceSubscribed = await client(0, 'alice');
    const aliceIdle = await client(1, 'alice');
    const bobIdle = await client(1, 'bob');
    const outsider = await client(0, 'carol');
    const adm = await connect(1, admin);
    await subscribe(aliceSubscribed, 'team');
    await subscribe(adm, 'team');
    const all = [aliceSubscribed, aliceIdle, bobIdle, outsider, adm];
    const removed = all.map((s) => collect(s, 'remove_channel'));

    await ok(http.delete(`/v1/apps/${app}/channels/team`, { token: admin }), 204);
    await eventually(
      () => [0, 1, 2, 4].every((i) => removed[i].length === 1),
      'remove_channel on every member device and subscriber',
    );
    await sleep(300);
    expect(removed).toEqual([
      [{ channelID: 'team' }],
      [{ channelID: 'team' }],
      [{ channelID: 'team' }],
      [],
      [{ channelID: 'team' }],
    ]);
  });
});
