import { call, collect, connectClient, eventually, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from './support/http';

type Ev = { channelID: string; offset?: number; payload: unknown; senderID: string };

/**
 * Admin changes made over HTTP reach the affected connections on every gateway at once: HTTP
 * publishes fan out like socket publishes, membership changes, closing/reopening/deleting a
 * channel, unsubscribing and disconnecting a client — and the live views read the real gateways.
 */
describe('admin changes reach every gateway', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1 });
  const sockets: Socket[] = [];
  let http: Http;
  let admin: string;
  const app = 'live';

  const connect = async (gateway: number, clientID: string, deviceID: string) => {
    const c = await connectClient(stack.url('gateway', gateway), {
      token: stack.clientToken(app, clientID),
      appID: app,
      deviceID,
    });
    sockets.push(c.socket);
    return c.socket;
  };
  const subscribe = async (s: Socket, ...channels: string[]) => {
    const ack = await call<{ ok: boolean; results: Record<string, { ok: boolean }> }>(s, 'subscribe', {
      channels,
    });
    for (const ch of channels) expect(ack.results[ch]?.ok).toBe(true);
  };
  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const r = await p;
    expect({ status: r.status, text: r.text }).toEqual({ status, text: expect.any(String) });
    return r;
  };

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    await ok(http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'Live' } }));
    for (const clientID of ['alice', 'bob'])
      await ok(http.post('/client', { token: admin, appID: app, body: { clientID } }));
    await ok(
      http.post('/channel', { token: admin, appID: app, body: { channelID: 'news', persistent: true } }),
      201,
    );
    await ok(
      http.post('/channel', {
        token: admin,
        appID: app,
        body: { channelID: 'vip', persistent: true, private: true, presence: true },
      }),
      201,
    );
    await ok(http.post('/channel/vip/join/bob', { token: admin, appID: app }));
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('an HTTP publish reaches subscribers on both gateways once each, in offset order', async () => {
    const a1 = await connect(0, 'alice', 'a-phone');
    const a2 = await connect(1, 'alice', 'a-laptop');
    const b = await connect(1, 'bob', 'b-phone');
    await subscribe(a1, 'news');
    await subscribe(a2, 'news');
    await subscribe(b, 'news');
    const got = [a1, a2, b].map((s) => collect<Ev>(s, 'event'));

    await ok(
      http.post('/channel/news/publish', {
        token: admin,
        appID: app,
        body: { payload: 'one', eventType: 't' },
      }),
    );
    await ok(
      http.post(`/v1/apps/${app}/channels/news/events`, {
        token: admin,
        body: { payload: { n: 2 }, eventType: 't' },
      }),
      201,
    );
    await ok(
      http.post(`/v1/apps/${app}/broadcast`, {
        token: admin,
        body: { channels: ['news'], payload: 3, eventType: 't' },
      }),
    );

    await eventually(() => got.every((g) => g.length >= 3), 'three events on every device');
    await new Promise((r) => setTimeout(r, 300));
    for (const g of got) {
      expect(g.map((e) => e.payload)).toEqual(['one', { n: 2 }, 3]);
      expect(g.map((e) => e.offset)).toEqual([1, 2, 3]);
      expect(g.every((e) => e.senderID === 'admin' && e.channelID === 'news')).toBe(true);
    }
  });

  it('adding a member tells its devices on both gateways (new_channel) and presence subscribers (join_channel)', async () => {
    const a1 = await connect(0, 'alice', 'a-tablet');
    const a2 = await connect(1, 'alice', 'a-watch');
    const b = await connect(0, 'bob', 'b-laptop');
    await subscribe(b, 'vip');
    const newA1 = collect(a1, 'new_channel');
    const newA2 = collect(a2, 'new_channel');
    const joins = collect(b, 'join_channel');

    await ok(http.post('/channel/vip/join/alice', { token: admin, appID: app }));
    await eventually(
      () => newA1.length === 1 && newA2.length === 1 && joins.length === 1,
      'new_channel and join_channel',
    );
    expect(newA1).toEqual([{ channelID: 'vip' }]);
    expect(newA2).toEqual([{ channelID: 'vip' }]);
    expect(joins).toEqual([{ channelID: 'vip', clientID: 'alice' }]);

    // Alice may subscribe right away on both devices.
    await subscribe(a1, 'vip');
    await subscribe(a2, 'vip');
    const evA2 = collect<Ev>(a2, 'event');
    await ok(
      http.post(`/v1/apps/${app}/channels/vip/events`, {
        token: admin,
        body: { payload: 'for members', eventType: 't' },
      }),
      201,
    );
    await eventually(() => evA2.length === 1, 'member receives the private channel event');

    // Removing her: remove_channel on both devices, server-side unsubscribe, leave_channel for bob.
    const rmA1 = collect(a1, 'remove_channel');
    const rmA2 = collect(a2, 'remove_channel');
    const leaves = collect(b, 'leave_channel');
    await ok(http.post('/channel/vip/leave/alice', { token: admin, appID: app }));
    await eventually(
      () => rmA1.length === 1 && rmA2.length === 1 && leaves.length === 1,
      'remove_channel and leave_channel',
    );
    expect(rmA2).toEqual([{ channelID: 'vip' }]);
    expect(leaves).toEqual([{ channelID: 'vip', clientID: 'alice' }]);
    const evBob = collect<Ev>(b, 'event');
    await ok(
      http.post(`/v1/apps/${app}/channels/vip/events`, {
        token: admin,
        body: { payload: 'after removal', eventType: 't' },
      }),
      201,
    );
    await eventually(() => evBob.length === 1, 'bob still receives');
    await new Promise((r) => setTimeout(r, 300));
    expect(evA2.map((e) => e.payload)).toEqual(['for members']);
    const again = await call<{
      ok: boolean;
      results: Record<string, { ok: boolean; error?: { code: string } }>;
    }>(a1, 'subscribe', { channels: ['vip'] });
    expect(again.results['vip']).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('closing refuses publishing everywhere at once and tells subscribers; reopening restores it', async () => {
    const a = await connect(0, 'alice', 'c-1');
    const b = await connect(1, 'bob', 'c-2');
    await subscribe(a, 'news');
    await subscribe(b, 'news');
    const closedA = collect(a, 'channel_closed');
    const closedB = collect(b, 'channel_closed');
    await ok(http.post('/channel/news/close', { token: admin, appID: app }));
    // Refused at once, over HTTP and on both gateways, without waiting for any cache to expire.
    expect(
      (
        await http.post('/channel/news/publish', {
          token: admin,
          appID: app,
          body: { payload: 'x', eventType: 't' },
        })
      ).status,
    ).toBe(400);
    for (const s of [a, b]) {
      const ack = await call<{ ok: boolean; error?: { code: string } }>(s, 'publish', {
        channelID: 'news',
        eventType: 't',
        payload: 'x',
      });
      expect(ack).toMatchObject({ ok: false, error: { code: 'channel_closed' } });
    }
    await eventually(() => closedA.length === 1 && closedB.length === 1, 'channel_closed on both gateways');
    expect(closedB).toEqual([{ channelID: 'news' }]);
    // Subscribers stay and may still read.
    const hist = await call<{ ok: boolean; events: unknown[] }>(b, 'history', {
      channelID: 'news',
      limit: 10,
    });
    expect(hist.ok).toBe(true);

    const openedA = collect(a, 'channel_opened');
    await ok(http.post(`/v1/apps/${app}/channels/news/open`, { token: admin }));
    await eventually(() => openedA.length === 1, 'channel_opened');
    const ack = await call<{ ok: boolean }>(b, 'publish', {
      channelID: 'news',
      eventType: 't',
      payload: 'back',
    });
    expect(ack.ok).toBe(true);
  });

  it('unsubscribing and disconnecting a client act on all its devices on every gateway', async () => {
    const a1 = await connect(0, 'alice', 'u-1');
    const a2 = await connect(1, 'alice', 'u-2');
    const b = await connect(0, 'bob', 'u-3');
    for (const s of [a1, a2, b]) await subscribe(s, 'news');
    const rm1 = collect(a1, 'remove_channel');
    const rm2 = collect(a2, 'remove_channel');
    await ok(
      http.post(`/v1/apps/${app}/clients/alice/unsubscribe`, { token: admin, body: { channelID: 'news' } }),
    );
    await eventually(() => rm1.length === 1 && rm2.length === 1, 'alice unsubscribed on both gateways');
    const evA = [a1, a2].map((s) => collect<Ev>(s, 'event'));
    const evB = collect<Ev>(b, 'event');
    await ok(
      http.post('/channel/news/publish', {
        token: admin,
        appID: app,
        body: { payload: 'not for alice', eventType: 't' },
      }),
    );
    await eventually(() => evB.length === 1, 'bob receives');
    await new Promise((r) => setTimeout(r, 300));
    expect(evA.map((e) => e.length)).toEqual([0, 0]);

    const gone = [a1, a2].map(
      (s) => new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason))),
    );
    await ok(http.post(`/v1/apps/${app}/clients/alice/disconnect`, { token: admin }));
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(b.connected).toBe(true);
  });

  it('deleting a channel removes it from its subscribers on every gateway', async () => {
    await ok(http.post('/channel', { token: admin, appID: app, body: { channelID: 'temp' } }), 201);
    const a = await connect(0, 'alice', 'd-1');
    const b = await connect(1, 'bob', 'd-2');
    await subscribe(a, 'temp');
    await subscribe(b, 'temp');
    const rmA = collect(a, 'remove_channel');
    const rmB = collect(b, 'remove_channel');
    await ok(http.delete('/channel/temp', { token: admin, appID: app }));
    await eventually(() => rmA.length === 1 && rmB.length === 1, 'remove_channel on both gateways');
    const ack = await call<{ ok: boolean; error?: { code: string } }>(b, 'publish', {
      channelID: 'temp',
      eventType: 't',
      payload: 1,
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('presence, active channels and connection statistics read the live gateways', async () => {
    const b1 = await connect(0, 'bob', 'p-1');
    const b2 = await connect(1, 'bob', 'p-2');
    await subscribe(b1, 'vip', 'news');
    await subscribe(b2, 'news');
    const presence = await (async () => {
      let last: unknown;
      await eventually(
        async () => {
          last = (
            await http.get<{ clientStatus: Record<string, { status: boolean }> }>(
              `/v1/apps/${app}/channels/vip/presence`,
              { token: admin },
            )
          ).body;
          return (
            (last as { clientStatus: Record<string, { status: boolean }> }).clientStatus['bob']?.status ===
            true
          );
        },
        'bob online in vip',
        15_000,
      );
      return last as { clientStatus: Record<string, { status: boolean; timestamp: number }> };
    })();
    expect(presence.clientStatus['bob']).toEqual({ status: true, timestamp: expect.any(Number) });
    // The same presence page by page: the pages end with a null cursor and hold bob once.
    type PresencePage = { clientStatus: Record<string, { status: boolean }>; nextCursor: string | null };
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const qs: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await http.get<PresencePage>(`/v1/apps/${app}/channels/vip/presence?limit=1${qs}`, {
        token: admin,
      });
      expect(page.status).toBe(200);
      seen.push(...Object.keys(page.body.clientStatus));
      if (page.body.clientStatus['bob'])
        expect(page.body.clientStatus['bob']).toEqual(presence.clientStatus['bob']);
      cursor = page.body.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen.filter((id) => id === 'bob')).toEqual(['bob']);

    // Gateways report every few seconds: wait until both have reported these subscriptions.
    await eventually(
      async () => {
        const r = await http.get<{ channels: { channelID: string; subscribers: number }[] }>(
          `/v1/apps/${app}/active-channels`,
          { token: admin },
        );
        const count = (id: string) => r.body.channels.find((c) => c.channelID === id)?.subscribers ?? 0;
        return count('news') >= 2 && count('vip') >= 1;
      },
      'news and vip active with their subscribers',
      15_000,
    );
    // Each gateway reports on its own timer: wait until both reports include this app's connections.
    type AppStats = { connections: number; subscriptions: number; gateways: { connections: number }[] };
    let stats = { body: { connections: 0, subscriptions: 0, gateways: [] } as AppStats };
    await eventually(
      async () => {
        stats = await http.get<AppStats>(`/v1/apps/${app}/stats`, { token: admin });
        return stats.body.gateways.length === 2;
      },
      'both gateways report connections of the app',
      15_000,
    );
    expect(stats.body.gateways).toHaveLength(2);
    expect(stats.body.gateways.every((g) => g.connections > 0)).toBe(true);
    expect(stats.body.connections).toBeGreaterThanOrEqual(2);
    expect(stats.body.subscriptions).toBeGreaterThanOrEqual(3);
    const cluster = await http.get<{ gateways: unknown[]; apps: { appID: string }[] }>('/v1/stats', {
      token: stack.superAdminToken(),
    });
    expect(cluster.body.gateways).toHaveLength(2);
    expect(cluster.body.apps.map((a) => a.appID)).toContain(app);
  });

  it('deleting the app disconnects its connections and closes its channels', async () => {
    const a = await connect(0, 'alice', 'z-1');
    await subscribe(a, 'news');
    const gone = new Promise<string>((resolve) => a.once('disconnect', (reason) => resolve(reason)));
    await ok(http.delete(`/app/${app}`, { token: stack.superAdminToken() }));
    expect(await gone).toBe('io server disconnect');
    const r = await http.post('/channel/news/publish', {
      token: stack.superAdminToken(),
      appID: app,
      body: { payload: 1, eventType: 't' },
    });
    expect(r.status).toBe(404);
  });
});
