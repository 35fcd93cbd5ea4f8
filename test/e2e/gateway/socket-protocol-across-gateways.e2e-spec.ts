import { call, collect, connectClient, eventually, Fixtures, sleep, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';

/**
 * The socket.io protocol of spec §3 with two real gateway processes: connect/auth, subscribe rules,
 * publish fan-out across gateways (sender's devices included), acks, idempotency, history.
 */
describe('socket protocol across a pool of gateways', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1 });
  let fx: Fixtures;
  const sockets: Socket[] = [];
  const APP = 'proto';
  const OTHER = 'proto-other';

  const connect = async (
    gw: number,
    token: string,
    extra: {
      appID?: string;
      deviceID?: string;
      viaQuery?: boolean;
      transports?: ('websocket' | 'polling')[];
    } = {},
  ) => {
    const r = await connectClient(stack.url('gateway', gw), { token, appID: extra.appID ?? APP, ...extra });
    sockets.push(r.socket);
    return r;
  };

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    for (const app of [APP, OTHER]) await fx.app(app);
    await fx.client(APP, 'alice');
    await fx.client(APP, 'bob');
    await fx.channel(APP, 'news', { persistent: true });
    await fx.channel(APP, 'live', { persistent: false });
    await fx.channel(APP, 'vault', { persistent: true, private: true });
    await fx.member(APP, 'vault', 'alice');
    await fx.channel(OTHER, 'news', { persistent: true });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  it('answers ready with the identity and assigns a device id when none is given', async () => {
    const { ready } = await connect(0, stack.clientToken(APP, 'alice'));
    expect(ready).toMatchObject({ appID: APP, clientID: 'alice' });
    expect(ready['deviceID']).toEqual(expect.any(String));
    expect(ready['connectionID']).toEqual(expect.any(String));
    const { ready: withDevice } = await connect(1, stack.clientToken(APP, 'alice'), {
      deviceID: 'phone-1',
      viaQuery: true,
    });
    expect(withDevice).toMatchObject({ appID: APP, clientID: 'alice', deviceID: 'phone-1' });
  });

  it('refuses bad tokens, expired tokens and foreign apps with connect_error "unauthorized"', async () => {
    const attempts = [
      connectClient(stack.url('gateway', 0), { token: 'garbage', appID: APP }),
      connectClient(stack.url('gateway', 0), { token: stack.clientToken(OTHER, 'x'), appID: APP }),
      connectClient(stack.url('gateway', 1), { token: stack.clientToken(APP, 'alice', -10), appID: APP }),
      connectClient(stack.url('gateway', 1), {
        token: stack.adminToken('no-such-app'),
        appID: 'no-such-app',
      }),
    ];
    // Settled together: awaiting them one by one left the later rejections unhandled meanwhile.
    const settled = await Promise.allSettled(attempts);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toMatchObject({
        message: 'unauthorized',
        data: { code: 401 },
      });
    }
  });

  it("delivers a publish on one gateway to subscribers on both, the sender's own devices included, once each", async () => {
    const alice1 = await connect(0, stack.clientToken(APP, 'alice'));
    const alice2 = await connect(1, stack.clientToken(APP, 'alice'));
    const bob = await connect(1, stack.clientToken(APP, 'bob'));
    // A client that stays on HTTP long-polling (no WebSocket) gets the same events.
    const bobPolling = await connect(0, stack.clientToken(APP, 'bob'), { transports: ['polling'] });
    const all = [alice1, alice2, bob, bobPolling];
    const got = all.map(({ socket }) =>
      collect<{ offset: number; payload: unknown; senderID: string }>(socket, 'event'),
    );
    for (const { socket } of all) {
      const ack = await call<{ ok: boolean; results: Record<string, { ok: boolean; offset: number }> }>(
        socket,
        'subscribe',
        { channels: ['news'] },
      );
      expect(ack.ok).toBe(true);
      expect(ack.results['news']).toMatchObject({
        ok: true,
        offset: expect.any(Number),
        epoch: expect.any(String),
      });
    }
    const acks = [];
    for (let i = 0; i < 20; i++) {
      acks.push(
        await call<{ ok: boolean; offset: number; id: string; timestamp: number }>(alice1.socket, 'publish', {
          channelID: 'news',
          eventType: 'msg',
          payload: { i },
        }),
      );
    }
    expect(acks.every((a) => a.ok)).toBe(true);
    const offsets = acks.map((a) => a.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    await eventually(() => got.every((g) => g.length >= 20), 'every device receives 20 events');
    await sleep(300);
    for (const g of got) {
      expect(g.map((e) => e.offset)).toEqual(offsets); // once each, in offset order
      expect(g[0]).toMatchObject({
        channelID: 'news',
        eventType: 'msg',
        senderID: 'alice',
        payload: { i: 0 },
      });
    }
  });

  it('keeps events in offset order when two gateways publish to one channel at once', async () => {
    const a = await connect(0, stack.clientToken(APP, 'alice'));
    const b = await connect(1, stack.clientToken(APP, 'bob'));
    const watcher = await connect(0, stack.clientToken(APP, 'bob'));
    const got = collect<{ offset: number }>(watcher.socket, 'event');
    await call(watcher.socket, 'subscribe', { channels: ['news'] });
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        call(a.socket, 'publish', { channelID: 'news', eventType: 'a', payload: i }),
      ),
      ...Array.from({ length: 30 }, (_, i) =>
        call(b.socket, 'publish', { channelID: 'news', eventType: 'b', payload: i }),
      ),
    ]);
    await eventually(() => got.length >= 60, '60 events');
    const offsets = got.map((e) => e.offset);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBe(offsets[i - 1] + 1);
  });

  it('stores acked publishes once per id and answers a re-publish with the same offset', async () => {
    const { socket } = await connect(0, stack.clientToken(APP, 'alice'));
    const first = await call<{ ok: boolean; offset: number; id: string }>(socket, 'publish', {
      channelID: 'news',
      eventType: 'm',
      payload: 'x',
      id: 'idem-1',
    });
    const again = await call<{ ok: boolean; offset: number; id: string }>(socket, 'publish', {
      channelID: 'news',
      eventType: 'm',
      payload: 'x',
      id: 'idem-1',
    });
    expect(first).toMatchObject({ ok: true, id: 'idem-1' });
    expect(again.offset).toBe(first.offset);
    await eventually(
      async () => (await fx.storedEvents(APP, 'news')).some((e) => e.id === 'idem-1'),
      'idem-1 stored',
    );
    expect((await fx.storedEvents(APP, 'news')).filter((e) => e.id === 'idem-1')).toHaveLength(1);
  });

  it('delivers a publish without ack live but never stores it; non-persistent channels store nothing', async () => {
    const pub = await connect(0, stack.clientToken(APP, 'alice'));
    const sub = await connect(1, stack.clientToken(APP, 'bob'));
    await call(sub.socket, 'subscribe', { channels: ['news', 'live'] });
    const got = collect<{ id: string; offset?: number; channelID: string }>(sub.socket, 'event');
    pub.socket.emit('publish', {
      channelID: 'news',
      eventType: 'm',
      payload: 'fire-and-forget',
      id: 'noack-1',
    });
    const live = await call<{ ok: boolean; offset?: number }>(pub.socket, 'publish', {
      channelID: 'live',
      eventType: 'm',
      payload: 'ephemeral',
    });
    expect(live.ok).toBe(true);
    expect(live.offset).toBeUndefined();
    await eventually(
      () => got.some((e) => e.id === 'noack-1') && got.some((e) => e.channelID === 'live'),
      'both live events',
    );
    expect(got.find((e) => e.id === 'noack-1')?.offset).toBeUndefined();
    const hist = await call<{ ok: boolean; events: { id: string }[] }>(sub.socket, 'history', {
      channelID: 'news',
      limit: 1000,
    });
    expect(hist.ok).toBe(true);
    expect(hist.events.some((e) => e.id === 'noack-1')).toBe(false);
    const liveHist = await call<{ ok: boolean; events: unknown[] }>(sub.socket, 'history', {
      channelID: 'live',
    });
    expect(liveHist).toMatchObject({ ok: true, events: [] });
  });

  it('applies the access rules per channel in one subscribe call', async () => {
    const bob = await connect(0, stack.clientToken(APP, 'bob'));
    const ack = await call<{
      ok: boolean;
      results: Record<string, { ok: boolean; error?: { code: string } }>;
    }>(bob.socket, 'subscribe', {
      channels: ['news', 'vault', 'missing'],
    });
    expect(ack.results['news'].ok).toBe(true);
    expect(ack.results['vault']).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(ack.results['missing']).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const pub = await call<{ ok: boolean; error: { code: string } }>(bob.socket, 'publish', {
      channelID: 'vault',
      eventType: 'm',
      payload: 1,
    });
    expect(pub).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const alice = await connect(1, stack.clientToken(APP, 'alice'));
    expect(
      (
        await call<{ results: Record<string, { ok: boolean }> }>(alice.socket, 'subscribe', {
          channels: ['vault'],
        })
      ).results['vault'].ok,
    ).toBe(true);
    const admin = await connect(1, stack.adminToken(APP));
    expect(
      (
        await call<{ results: Record<string, { ok: boolean }> }>(admin.socket, 'subscribe', {
          channels: ['vault'],
        })
      ).results['vault'].ok,
    ).toBe(true);
    expect(
      await call(admin.socket, 'publish', { channelID: 'vault', eventType: 'm', payload: 1 }),
    ).toMatchObject({ ok: true });
  });

  it('never crosses apps: the same channel id in another app is another channel', async () => {
    const mine = await connect(0, stack.clientToken(APP, 'alice'));
    const theirs = await connectClient(stack.url('gateway', 1), {
      token: stack.clientToken(OTHER, 'eve'),
      appID: OTHER,
    });
    sockets.push(theirs.socket);
    const leaked = collect(theirs.socket, 'event');
    await call(theirs.socket, 'subscribe', { channels: ['news'] });
    await call(mine.socket, 'publish', { channelID: 'news', eventType: 'secret', payload: 'mine only' });
    await sleep(300);
    expect(leaked).toHaveLength(0);
    const hist = await call<{ events: unknown[] }>(theirs.socket, 'history', { channelID: 'news' });
    expect(hist.events).toHaveLength(0);
  });

  it('lists the channels a client may use', async () => {
    const alice = await connect(0, stack.clientToken(APP, 'alice'));
    const open = await call<{ ok: boolean; channels: { channelID: string }[] }>(alice.socket, 'channels', {
      kind: 'open',
    });
    expect(open.channels.map((c) => c.channelID).sort()).toEqual(['live', 'news']);
    const priv = await call<{ channels: { channelID: string }[] }>(alice.socket, 'channels', {
      kind: 'private',
    });
    expect(priv.channels.map((c) => c.channelID)).toEqual(['vault']);
    const bob = await connect(0, stack.clientToken(APP, 'bob'));
    expect(
      (await call<{ channels: unknown[] }>(bob.socket, 'channels', { kind: 'private' })).channels,
    ).toEqual([]);
  });

  it('stops delivering after unsubscribe, on that connection only', async () => {
    const a = await connect(0, stack.clientToken(APP, 'alice'));
    const b = await connect(1, stack.clientToken(APP, 'alice'));
    const gotA = collect<{ payload: unknown }>(a.socket, 'event');
    const gotB = collect<{ payload: unknown }>(b.socket, 'event');
    await call(a.socket, 'subscribe', { channels: ['news'] });
    await call(b.socket, 'subscribe', { channels: ['news'] });
    expect(await call(a.socket, 'unsubscribe', { channels: ['news'] })).toEqual({ ok: true });
    await call(b.socket, 'publish', { channelID: 'news', eventType: 'm', payload: 'after-unsub' });
    await eventually(() => gotB.some((e) => e.payload === 'after-unsub'), 'still subscribed device gets it');
    await sleep(300);
    expect(gotA.some((e) => e.payload === 'after-unsub')).toBe(false);
  });

  it('reads history newest first by default and by offset ascending', async () => {
    const { socket } = await connect(1, stack.clientToken(APP, 'alice'));
    await call(socket, 'subscribe', { channels: ['news'] });
    const acks = [];
    for (let i = 0; i < 5; i++)
      acks.push(
        await call<{ offset: number }>(socket, 'publish', {
          channelID: 'news',
          eventType: 'h',
          payload: `h${i}`,
        }),
      );
    const last = await call<{ ok: boolean; events: { offset: number }[]; epoch: string }>(socket, 'history', {
      channelID: 'news',
      limit: 3,
    });
    expect(last.events.map((e) => e.offset)).toEqual([acks[4].offset, acks[3].offset, acks[2].offset]);
    const since = await call<{ events: { offset: number; payload: string }[] }>(socket, 'history', {
      channelID: 'news',
      sinceOffset: acks[1].offset,
      limit: 10,
    });
    expect(since.events.map((e) => e.payload)).toEqual(['h2', 'h3', 'h4']);
  });
});
