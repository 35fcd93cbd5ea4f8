import { call, collect, connectClient, eventually, sleep, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { PRESENCE_TEST_ENV } from '../presence/support/presence-client';
import { Http } from './support/http';

type SubAck = { ok: boolean; results: Record<string, { ok: boolean; error?: { code: string } }> };
type Ack = { ok: boolean; offset?: number; error?: { code: string; message: string } };
type Ev = { channelID: string; offset?: number; eventType: string; payload: unknown; senderID: string };

/**
 * Protocol §5.1 through the real processes: namespaces over /v1 (autoCreate channels made on first
 * subscribe or publish and then listed with history and presence like any other, clientPublish,
 * settings changes reaching live subscribers), ids with `$ # ,`, user-limited and personal
 * channels, sending to a user on every device and gateway, per-channel history settings.
 */
describe('namespaces, user-limited and personal channels', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1, env: PRESENCE_TEST_ENV });
  const app = 'spaces';
  const sockets: Socket[] = [];
  let http: Http;
  let admin: string;

  const connect = async (gw: number, clientID: string) => {
    const { socket } = await connectClient(stack.url('gateway', gw), {
      token: stack.clientToken(app, clientID),
      appID: app,
    });
    sockets.push(socket);
    return socket;
  };
  const subscribe = (s: Socket, ...channels: string[]) => call<SubAck>(s, 'subscribe', { channels });
  const publish = (s: Socket, channelID: string, payload: unknown) =>
    call<Ack>(s, 'publish', { channelID, eventType: 'msg', payload });
  const v1 = (path: string) => `/v1/apps/${app}${path}`;
  const enc = encodeURIComponent;

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    const r = await http.post('/v1/apps', {
      token: stack.superAdminToken(),
      body: { appID: app, name: 'S' },
    });
    expect(r.status).toBe(201);
    for (const clientID of ['alice', 'bob', 'carol']) {
      const c = await http.post(v1('/clients'), { token: admin, body: { clientID } });
      expect(c.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('manages namespaces over /v1 with clear errors', async () => {
    const created = await http.post(v1('/namespaces'), {
      token: admin,
      body: { name: 'room', persistent: true, presence: true, autoCreate: true, historySize: 50 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      appID: app,
      name: 'room',
      persistent: true,
      private: false,
      presence: true,
      historySize: 50,
      historyTTLSeconds: null,
      clientPublish: true,
      joinLeave: true,
      autoCreate: true,
      hooks: null,
      createdAt: expect.any(Number),
    });
    expect((await http.post(v1('/namespaces'), { token: admin, body: { name: 'room' } })).status).toBe(409);
    const bad = await http.post(v1('/namespaces'), { token: admin, body: { name: 'a:b', historySize: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('name');
    const board = await http.post(v1('/namespaces'), {
      token: admin,
      body: { name: 'board', autoCreate: true, clientPublish: false, persistent: true },
    });
    expect(board.status).toBe(201);
    const list = await http.get<{ namespaces: { name: string }[] }>(v1('/namespaces'), { token: admin });
    expect(list.body.namespaces.map((n) => n.name)).toEqual(['board', 'room']);
    expect((await http.get(v1('/namespaces/room'), { token: admin })).status).toBe(200);
    expect((await http.get(v1('/namespaces/nope'), { token: admin })).status).toBe(404);
    const client = await http.get(v1('/namespaces'), { token: stack.clientToken(app, 'alice') });
    expect(client.status).toBe(403);
    const other = await http.get(v1('/namespaces'), { token: stack.adminToken('elsewhere') });
    expect(other.status).toBe(403);
  });

  it('makes room:* channels on first subscribe or publish, listed with history and presence', async () => {
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    const online = collect<{ clientID: string; status: boolean }>(alice, 'online_status');
    expect((await subscribe(alice, 'room:lobby')).results['room:lobby']).toMatchObject({ ok: true });
    const events = collect<Ev>(alice, 'event');
    expect((await subscribe(bob, 'room:lobby')).results['room:lobby']).toMatchObject({ ok: true });
    await eventually(() => online.some((o) => o.clientID === 'bob' && o.status), 'bob online for alice');
    const ack = await publish(bob, 'room:lobby', { text: 'hi' });
    expect(ack).toMatchObject({ ok: true, offset: 1 });
    await eventually(() => events.length === 1, 'alice gets the event');

    // Published first (no subscriber yet): made, stored.
    const admin0 = await connect(0, 'carol');
    expect(await publish(admin0, 'room:empty', 1)).toMatchObject({ ok: true, offset: 1 });

    const channel = await http.get(v1(`/channels/${enc('room:lobby')}`), { token: admin });
    expect(channel.body).toMatchObject({
      channelID: 'room:lobby',
      persistent: true,
      presence: true,
      historySize: 50,
      autoCreated: true,
    });
    const listed = await http.get<{ channels: { channelID: string }[] }>(v1('/channels?search=room:'), {
      token: admin,
    });
    expect(listed.body.channels.map((c) => c.channelID)).toEqual(['room:empty', 'room:lobby']);
    const history = await http.get<{ events: Ev[] }>(v1(`/channels/${enc('room:lobby')}/events`), {
      token: admin,
    });
    expect(history.body.events.map((e) => e.payload)).toEqual([{ text: 'hi' }]);
    const presence = await http.get<{ clientStatus: Record<string, { status: boolean }> }>(
      v1(`/channels/${enc('room:lobby')}/presence`),
      { token: admin },
    );
    expect(presence.body.clientStatus['alice']?.status).toBe(true);
    expect(presence.body.clientStatus['bob']?.status).toBe(true);

    // Outside any autoCreate namespace, a channel must still be created first.
    expect((await subscribe(alice, 'lounge:x')).results['lounge:x']).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('refuses client publishes where clientPublish is off, on the socket and over HTTP', async () => {
    const alice = await connect(0, 'alice');
    expect((await subscribe(alice, 'board:news')).results['board:news']).toMatchObject({ ok: true });
    const refused = await publish(alice, 'board:news', 1);
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const overHttp = await http.post(v1(`/channels/${enc('board:news')}/events`), {
      token: stack.clientToken(app, 'alice'),
      body: { eventType: 'x', payload: 1 },
    });
    expect(overHttp.status).toBe(403);
    const events = collect<Ev>(alice, 'event');
    const byAdmin = await http.post(v1(`/channels/${enc('board:news')}/events`), {
      token: admin,
      body: { eventType: 'x', payload: 'from backend' },
    });
    expect(byAdmin.status).toBe(201);
    await eventually(() => events.length === 1, 'the admin publish arrives');
  });

  it('applies namespace changes to live subscribers of its channels', async () => {
    const bob = await connect(1, 'bob');
    const carol = await connect(0, 'carol');
    expect((await subscribe(bob, 'room:live')).results['room:live']).toMatchObject({ ok: true });
    expect((await subscribe(carol, 'room:live')).results['room:live']).toMatchObject({ ok: true });
    const removed = collect<{ channelID: string }>(carol, 'remove_channel');
    // An explicit channel of the namespace keeps its own settings.
    const own = await http.post(v1('/channels'), { token: admin, body: { channelID: 'room:own' } });
    expect(own.status).toBe(201);

    const patched = await http.patch(v1('/namespaces/room'), { token: admin, body: { private: true } });
    expect(patched.status).toBe(200);
    await eventually(() => removed.some((r) => r.channelID === 'room:live'), 'non-member carol removed');
    expect((await http.get(v1(`/channels/${enc('room:live')}`), { token: admin })).body).toMatchObject({
      private: true,
    });
    expect((await http.get(v1(`/channels/${enc('room:own')}`), { token: admin })).body).toMatchObject({
      private: false,
    });
    // A member keeps access; the next channel is made private from the start.
    const member = await http.put(v1(`/channels/${enc('room:live')}/members/bob`), { token: admin });
    expect(member.status).toBe(201);
    expect(await publish(bob, 'room:live', 'still here')).toMatchObject({ ok: true });
    expect((await subscribe(carol, 'room:next')).results['room:next']).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(
      (await http.patch(v1('/namespaces/room'), { token: admin, body: { private: false } })).status,
    ).toBe(200);
  });

  it('limits prefix#a,b channels to the listed clients, and #u to u', async () => {
    const alice = await connect(0, 'alice');
    const bob = await connect(1, 'bob');
    const carol = await connect(1, 'carol');
    const dm = 'dialog#alice,bob';
    expect((await subscribe(alice, dm)).results[dm]).toMatchObject({ ok: true });
    expect((await subscribe(bob, dm)).results[dm]).toMatchObject({ ok: true });
    expect((await subscribe(carol, dm)).results[dm]).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await publish(carol, dm, 'sneaky')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const got = collect<Ev>(alice, 'event');
    expect(await publish(bob, dm, 'psst')).toMatchObject({ ok: true });
    await eventually(() => got.some((e) => e.channelID === dm && e.payload === 'psst'), 'alice gets the dm');
    const carolHistory = await call<Ack>(carol, 'history', { channelID: dm });
    expect(carolHistory).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Listed for the clients it names only.
    const list = async (s: Socket) =>
      (await call<{ channels: { channelID: string }[] }>(s, 'channels', { kind: 'open' })).channels.map(
        (c) => c.channelID,
      );
    expect(await list(alice)).toContain(dm);
    expect(await list(carol)).not.toContain(dm);
    // Ids with $ and , work everywhere, percent-encoded in paths.
    const dollar = '$public:chat';
    expect((await http.post(v1('/channels'), { token: admin, body: { channelID: dollar } })).status).toBe(
      201,
    );
    expect((await http.get(v1(`/channels/${enc(dollar)}`), { token: admin })).status).toBe(200);
    expect((await http.get(v1(`/channels/${enc(dm)}`), { token: admin })).body).toMatchObject({
      channelID: dm,
      autoCreated: true,
    });
    expect((await subscribe(alice, '#bob')).results['#bob']).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await subscribe(alice, 'a#b#c')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('sends to a user: every subscribed device of the client on every gateway, nobody else', async () => {
    const phone = await connect(0, 'alice');
    const laptop = await connect(1, 'alice');
    const bob = await connect(1, 'bob');
    for (const s of [phone, laptop])
      expect((await subscribe(s, '#alice')).results['#alice']).toMatchObject({ ok: true });
    const gotPhone = collect<Ev>(phone, 'event');
    const gotLaptop = collect<Ev>(laptop, 'event');
    const gotBob = collect<Ev>(bob, 'event');
    const sent = await http.post(v1('/clients/alice/events'), {
      token: admin,
      body: { eventType: 'notice', payload: { n: 1 }, id: 'n-1' },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ id: 'n-1' });
    await eventually(() => gotPhone.length === 1 && gotLaptop.length === 1, 'both devices get it');
    expect(gotPhone[0]).toMatchObject({ channelID: '#alice', eventType: 'notice', payload: { n: 1 } });
    await sleep(200);
    expect(gotBob).toEqual([]);
    // Only backends send to users.
    const byClient = await http.post(v1('/clients/alice/events'), {
      token: stack.clientToken(app, 'bob'),
      body: { eventType: 'notice', payload: 1 },
    });
    expect(byClient.status).toBe(403);
    const bad = await http.post(v1('/clients/alice/events'), { token: admin, body: { payload: 1 } });
    expect(bad.status).toBe(400);
  });

  it('sets history settings of a channel through /v1', async () => {
    const created = await http.post(v1('/channels'), {
      token: admin,
      body: { channelID: 'kept', persistent: true, historySize: 3, historyTTLSeconds: 3600 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ historySize: 3, historyTTLSeconds: 3600, clientPublish: true });
    const patched = await http.patch(v1('/channels/kept'), {
      token: admin,
      body: { historySize: null, clientPublish: false, joinLeave: false },
    });
    expect(patched.body).toMatchObject({
      historySize: null,
      historyTTLSeconds: 3600,
      clientPublish: false,
      joinLeave: false,
    });
    const bad = await http.patch(v1('/channels/kept'), { token: admin, body: { historyTTLSeconds: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('historyTTLSeconds');
  });

  it('pushes join/leave of members only where joinLeave is on', async () => {
    for (const [channelID, joinLeave] of [
      ['loud', true],
      ['quiet', false],
    ] as const) {
      const r = await http.post(v1('/channels'), {
        token: admin,
        body: { channelID, presence: true, joinLeave },
      });
      expect(r.status).toBe(201);
    }
    const carol = await connect(1, 'carol');
    expect((await subscribe(carol, 'loud', 'quiet')).ok).toBe(true);
    const joins = collect<{ channelID: string; clientID: string }>(carol, 'join_channel');
    for (const channelID of ['quiet', 'loud'])
      expect((await http.put(v1(`/channels/${channelID}/members/bob`), { token: admin })).status).toBe(201);
    await eventually(() => joins.length >= 1, 'join_channel on loud');
    await sleep(300);
    expect(joins).toEqual([{ channelID: 'loud', clientID: 'bob' }]);
  });
});
