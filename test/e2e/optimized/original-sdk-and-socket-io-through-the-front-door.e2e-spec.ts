import {
  call,
  collect,
  connectClient,
  eventually,
  OptimizedClient,
  Stack,
  startFrontDoor,
  type FrontDoor,
} from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';
import { PRESENCE_TEST_ENV } from '../presence/support/presence-client';

type Ev = { channelID: string; offset: number; payload: unknown; senderID: string };

/**
 * What an original-SDK user moving over does, through the one address the SDKs are given (the
 * front door routes `/optimized` and socket.io to the gateways, the original REST routes to
 * admin-api): an original-SDK client and a socket.io client in one channel — their events both
 * ways, the history the JavaScript SDK back-fills with after a reconnect, presence, and membership
 * changes made through the original routes.
 */
describe('an original-SDK client and a socket.io client through the front door', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1, env: PRESENCE_TEST_ENV });
  const app = 'moving';
  let frontDoor: FrontDoor | undefined;
  let base = '';
  let http: Http;
  let admin: string;
  const clients: OptimizedClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    await stack.start();
    frontDoor = await startFrontDoor(stack, { adminApi: true });
    base = frontDoor.url;
    // Everything below goes through the one address.
    http = new Http(base);
    admin = stack.adminToken(app);
    expect(
      (await http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'M' } })).status,
    ).toBe(200);
    for (const clientID of ['sdk-user', 'web-user', 'newcomer'])
      expect((await http.post('/client', { token: admin, appID: app, body: { clientID } })).status).toBe(200);
    expect(
      (
        await http.post('/channel', {
          token: admin,
          appID: app,
          body: { channelID: 'team', persistent: true, private: true, presence: true },
        })
      ).status,
    ).toBe(201);
    for (const clientID of ['sdk-user', 'web-user'])
      expect((await http.post(`/channel/team/join/${clientID}`, { token: admin, appID: app })).status).toBe(
        200,
      );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const s of sockets) s.close();
    frontDoor?.stop();
    await stack.stop();
  });

  it('talk in one channel with history, presence and membership events', async () => {
    // The original SDK: one base URL for the WebSocket and the REST routes.
    const sdkToken = stack.clientToken(app, 'sdk-user');
    const sdk = await OptimizedClient.connect(base, { token: sdkToken, appID: app, via: 'query' });
    clients.push(sdk);
    const privateList = await http.get<{ id: string }[]>('/channel/private', { token: sdkToken, appID: app });
    expect(privateList.status).toBe(200);
    expect(JSON.stringify(privateList.body)).toContain('"team"');
    const sub = await sdk.subscribe('team', 1);
    expect(sub.ack).toEqual({ replyTo: 1, status: true });
    expect(sub.initial?.channelID).toBe('team');

    const { socket: web } = await connectClient(base, {
      token: stack.clientToken(app, 'web-user'),
      appID: app,
    });
    sockets.push(web);
    const webEvents = collect<Ev>(web, 'event');
    const webOnline = collect<{ clientID: string; status: boolean }>(web, 'online_status');
    const webJoins = collect<{ clientID: string }>(web, 'join_channel');
    const subscribed = await call<{ results: Record<string, { ok: boolean }> }>(web, 'subscribe', {
      channels: ['team'],
    });
    expect(subscribed.results['team']?.ok).toBe(true);
    await sdk.next('ONLINE_STATUS', (s) => s.clientID === 'web-user' && s.status);

    // Both ways, each once.
    expect(
      await sdk.publish({ ID: 7, channelID: 'team', eventType: 'chat', payload: 'hello from the SDK' }),
    ).toEqual({
      replyTo: 7,
      status: true,
    });
    const ack = await call<{ ok: boolean; offset: number }>(web, 'publish', {
      channelID: 'team',
      eventType: 'chat',
      payload: { text: 'hello from the web' },
    });
    expect(ack.ok).toBe(true);
    // The JavaScript SDK's HTTP publish (trailing slash) through the same address.
    const viaHttp = await http.post('/channel/team/publish/', {
      token: sdkToken,
      appID: app,
      body: { eventType: 'chat', payload: 'over http' },
    });
    expect(viaHttp.status).toBeLessThan(300);
    await eventually(
      () => webEvents.length >= 3 && sdk.payloads('PUBLISH').length >= 3,
      'three events on both sides',
    );
    expect(webEvents.map((e) => e.payload)).toEqual([
      'hello from the SDK',
      { text: 'hello from the web' },
      'over http',
    ]);
    expect(sdk.payloads('PUBLISH').map((e) => e.payload)).toEqual([
      'hello from the SDK',
      '{"text":"hello from the web"}',
      'over http',
    ]);
    expect(sdk.payloads('PUBLISH')[1].senderID).toBe('web-user');

    // The back-fill the JavaScript SDK does after a reconnect: every event since a time, inclusive.
    const since = Math.floor(Date.now() / 1000) - 60;
    const history = await http.get<unknown>(`/c/team/sync/${since}`, { token: sdkToken, appID: app });
    expect(history.status).toBe(200);
    const text = JSON.stringify(history.body);
    for (const p of ['hello from the SDK', 'hello from the web', 'over http']) expect(text).toContain(p);

    // Membership through the original routes: the newcomer's devices hear NEW_CHANNEL, the
    // channel's subscribers JOIN_CHANNEL on both transports.
    const newcomer = await OptimizedClient.connect(base, {
      token: stack.clientToken(app, 'newcomer'),
      appID: app,
    });
    clients.push(newcomer);
    expect((await http.post('/channel/team/join/newcomer', { token: admin, appID: app })).status).toBe(200);
    expect((await newcomer.next('NEW_CHANNEL')).payload).toBe('team');
    await sdk.next('JOIN_CHANNEL', (j) => j.clientID === 'newcomer');
    await eventually(() => webJoins.some((j) => j.clientID === 'newcomer'), 'join_channel on socket.io');
    expect((await newcomer.subscribe('team', 1)).ack.status).toBe(true);
    await eventually(
      () => webOnline.some((s) => s.clientID === 'newcomer' && s.status),
      'online_status on socket.io',
    );
    await sdk.next('ONLINE_STATUS', (s) => s.clientID === 'newcomer' && s.status);
    expect((await http.post('/channel/team/leave/newcomer', { token: admin, appID: app })).status).toBe(200);
    expect((await newcomer.next('REMOVE_CHANNEL')).payload).toBe('team');
    await sdk.next('LEAVE_CHANNEL', (l) => l.clientID === 'newcomer');
  });
});
