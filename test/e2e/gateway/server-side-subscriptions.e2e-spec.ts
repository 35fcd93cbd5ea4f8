import {
  call,
  collect,
  connectClient,
  eventually,
  OptimizedClient,
  sleep,
  Stack,
  TEST_JWT_SECRET,
} from '@channels/testing';
import jwt from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';
import { PRESENCE_TEST_ENV } from '../presence/support/presence-client';

type Sub = { channelID: string; offset?: number; epoch?: string };
type Ev = { channelID: string; offset: number; epoch: string; payload: unknown };

/**
 * Server-side subscriptions (issue: backends): `POST /v1/apps/{app}/clients/{client}/subscribe`
 * subscribes every live connection of the client on every gateway and transport, announced with
 * `new_subscription {channelID, offset, epoch}`; a token's `channels` claim does the same at
 * connect. The channel's rules hold (membership, presence, recovery from the given offset).
 */
describe('server-side subscriptions', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1, env: PRESENCE_TEST_ENV });
  const app = 'backend';
  const sockets: Socket[] = [];
  const wires: OptimizedClient[] = [];
  let http: Http;
  let admin: string;

  const connect = async (gw: number, clientID: string, token = stack.clientToken(app, clientID)) => {
    const { socket } = await connectClient(stack.url('gateway', gw), { token, appID: app });
    sockets.push(socket);
    return socket;
  };
  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const r = await p;
    expect({ status: r.status, text: r.text }).toEqual({ status, text: expect.any(String) });
  };
  const subscribe = (clientID: string, channelID: string) =>
    http.post(`/v1/apps/${app}/clients/${clientID}/subscribe`, { token: admin, body: { channelID } });

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    await ok(http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'B' } }));
    for (const clientID of ['u', 'watcher'])
      await ok(http.post('/client', { token: admin, appID: app, body: { clientID } }));
    const channel = (body: object) => ok(http.post('/channel', { token: admin, appID: app, body }), 201);
    await channel({ channelID: 'news', persistent: true });
    await channel({ channelID: 'room', persistent: true, presence: true });
    await channel({ channelID: 'vault', persistent: true, private: true });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all(wires.map((w) => w.close().catch(() => undefined)));
    await stack.stop();
  });

  it('subscribes every connection of the client on every gateway and transport', async () => {
    const a = await connect(0, 'u');
    const b = await connect(1, 'u');
    const wire = await OptimizedClient.connect(stack.url('gateway', 1), {
      token: stack.clientToken(app, 'u'),
      appID: app,
    });
    wires.push(wire);
    const other = await connect(0, 'watcher');
    const subsA = collect<Sub>(a, 'new_subscription');
    const subsB = collect<Sub>(b, 'new_subscription');
    const evA = collect<Ev>(a, 'event');
    const evB = collect<Ev>(b, 'event');
    const evOther = collect<Ev>(other, 'event');

    await ok(subscribe('u', 'news'));
    await eventually(() => subsA.length === 1 && subsB.length === 1, 'new_subscription on both devices');
    expect(subsA[0]).toEqual({ channelID: 'news', offset: expect.any(Number), epoch: expect.any(String) });
    // Its events follow, on every transport; a client not subscribed gets nothing.
    const pub = await http.post<{ offset: number }>(`/v1/apps/${app}/channels/news/events`, {
      token: admin,
      body: { eventType: 'msg', payload: 'for u' },
    });
    await eventually(() => evA.length === 1 && evB.length === 1, 'the event on both socket.io devices');
    await wire.next('PUBLISH', (e) => e.payload === 'for u');
    expect(evA[0].offset).toBe(pub.body.offset);
    expect(evA[0].offset).toBe((subsA[0].offset as number) + 1);
    await sleep(200);
    expect(evOther).toEqual([]);
    // Subscribing again changes nothing.
    await ok(subscribe('u', 'news'));
    await sleep(300);
    expect(subsA).toHaveLength(1);
  });

  it("respects the channel's rules: membership, unknown channels, presence", async () => {
    const a = await connect(0, 'u');
    const subs = collect<Sub>(a, 'new_subscription');
    // Private without membership: refused on the connection (nothing announced).
    await ok(subscribe('u', 'vault'));
    await sleep(400);
    expect(subs).toEqual([]);
    // With membership it works.
    await ok(http.post('/channel/vault/join/u', { token: admin, appID: app }));
    await ok(subscribe('u', 'vault'));
    await eventually(() => subs.some((s) => s.channelID === 'vault'), 'vault subscribed');
    // An unknown channel: 404, nothing sent.
    expect((await subscribe('u', 'nope')).status).toBe(404);
    // Presence is announced as for a client subscribe.
    const watcher = await connect(1, 'watcher');
    const online = collect<{ clientID: string; status: boolean }>(watcher, 'online_status');
    await call(watcher, 'subscribe', { channels: ['room'] });
    await ok(subscribe('u', 'room'));
    await eventually(() => online.some((s) => s.clientID === 'u' && s.status), 'u announced online in room');
  });

  it("subscribes the channels of the token's `channels` claim at connect, recoverable from the given offset", async () => {
    const token = jwt.sign(
      { Role: 'Client', ClientID: 'watcher', AppID: app, channels: ['news', 'vault'] },
      TEST_JWT_SECRET,
    );
    const s = await connect(0, 'watcher', token);
    const subs = collect<Sub>(s, 'new_subscription');
    await eventually(() => subs.length === 1, 'news subscribed from the token');
    expect(subs[0].channelID).toBe('news'); // vault: not a member
    const from = subs[0];
    s.close();
    for (const p of ['m1', 'm2'])
      await http.post(`/v1/apps/${app}/channels/news/events`, {
        token: admin,
        body: { eventType: 'msg', payload: p },
      });
    const again = await connect(1, 'watcher');
    const r = await call<{ results: Record<string, { recovered?: boolean; events?: Ev[] }> }>(
      again,
      'subscribe',
      {
        channels: ['news'],
        recover: { news: { offset: from.offset, epoch: from.epoch } },
      },
    );
    expect(r.results['news'].recovered).toBe(true);
    expect(r.results['news'].events?.map((e) => e.payload)).toEqual(['m1', 'm2']);
    // A malformed claim is refused like a bad token.
    const bad = jwt.sign(
      { Role: 'Client', ClientID: 'watcher', AppID: app, channels: 'news' },
      TEST_JWT_SECRET,
    );
    await expect(connectClient(stack.url('gateway', 0), { token: bad, appID: app })).rejects.toMatchObject({
      message: 'unauthorized',
    });
  });
});
