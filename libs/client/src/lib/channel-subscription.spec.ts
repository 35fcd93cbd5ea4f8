import type { ChannelEvent } from '@channels/contracts';
import { ChannelsClient } from './channels-client';
import { ChannelsError } from './channels-error';
import { type FakeConnection, FakeServer, flush } from './fake-transport.testing';
import type { GapInfo, PresenceMap, SubscriptionState } from './types';

const ev = (offset: number, epoch = 'e1', channelID = 'room'): ChannelEvent => ({
  id: `id-${offset}`,
  channelID,
  offset,
  epoch,
  eventType: 'msg',
  payload: offset,
  senderID: 'bob',
  timestamp: 1_000 + offset,
});
const offsets = (events: ChannelEvent[]) => events.map((e) => e.offset);

describe('ChannelSubscription', () => {
  let server: FakeServer;
  let client: ChannelsClient;

  /** Connects (a new connection after a drop) and returns the server side of it. */
  const connected = async (): Promise<FakeConnection> => {
    await flush();
    server.last.accept();
    await flush();
    return server.last;
  };
  const reconnect = async (reason = 'transport close'): Promise<FakeConnection> => {
    server.last.drop(reason);
    jest.advanceTimersByTime(10);
    return connected();
  };
  const received = (channelID = 'room') => {
    const got: ChannelEvent[] = [];
    client.channel(channelID).on('event', (e) => got.push(e));
    return got;
  };

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    server = new FakeServer();
    client = new ChannelsClient({
      url: 'http://channels.test',
      appID: 'app',
      token: 't',
      transport: server.factory,
      reconnect: { minDelayMs: 10, maxDelayMs: 10 },
      maxQueuedPublishes: 3,
    });
    void client.connect();
  });
  afterEach(async () => {
    await client.disconnect();
    jest.useRealTimers();
  });

  it('subscribes and resolves with the position; events are delivered once, in order', async () => {
    const conn = await connected();
    const room = client.channel('room');
    expect(client.channel('room')).toBe(room);
    const got = received();
    const subscribed = room.subscribe();
    const call = conn.one('subscribe');
    expect(call.payload).toEqual({ channels: ['room'] });
    call.answer({ ok: true, results: { room: { ok: true, offset: 4, epoch: 'e1' } } });
    await expect(subscribed).resolves.toEqual({ offset: 4, epoch: 'e1' });
    for (const o of [5, 6, 6, 5, 7]) conn.push('event', ev(o));
    expect(offsets(got)).toEqual([5, 6, 7]);
    expect(room.position).toEqual({ offset: 7, epoch: 'e1' });
  });

  it('rejects with the ChannelsError the server answered', async () => {
    const conn = await connected();
    const subscribed = client.channel('secret').subscribe();
    conn.one('subscribe').answer({
      ok: true,
      results: { secret: { ok: false, error: { code: 'forbidden', message: 'not a member' } } },
    });
    const error = await subscribed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelsError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'not a member' });
    expect(client.channel('secret').state).toBe('unsubscribed');
  });

  it('retries a subscribe refused as unavailable, keeping its position, and resolves once it goes through', async () => {
    const conn = await connected();
    const room = client.channel('room');
    const errors: string[] = [];
    room.on('error', (e) => errors.push(e.code));
    const subscribed = room.subscribe();
    conn.sent('subscribe')[0].answer({
      ok: true,
      results: { room: { ok: false, error: { code: 'unavailable', message: 'Postgres is down' } } },
    });
    expect(room.state).toBe('subscribing');
    jest.advanceTimersByTime(10);
    const retry = conn.sent('subscribe')[1];
    expect(retry.payload).toEqual({ channels: ['room'] });
    retry.answer({ ok: true, results: { room: { ok: true, offset: 2, epoch: 'e1' } } });
    await expect(subscribed).resolves.toEqual({ offset: 2, epoch: 'e1' });
    expect(errors).toEqual(['unavailable']);
  });

  it('subscribes a channel asked for before connecting, once connected', async () => {
    const subscribed = client.channel('room').subscribe();
    const conn = await connected();
    conn.one('subscribe').answer({ ok: true, results: { room: { ok: true } } });
    await expect(subscribed).resolves.toEqual({});
  });

  it('after a reconnect, resubscribes every channel with recover and delivers the missed events before live ones, without duplicates', async () => {
    let conn = await connected();
    const got = received();
    const other = received('other');
    const states: SubscriptionState[] = [];
    client.channel('room').on('state', (s) => states.push(s));
    const both = [client.channel('room').subscribe(), client.channel('other').subscribe()];
    conn.sent('subscribe')[0].answer({ ok: true, results: { room: { ok: true, offset: 1, epoch: 'e1' } } });
    conn.sent('subscribe')[1].answer({ ok: true, results: { other: { ok: true } } });
    await Promise.all(both);
    conn.push('event', ev(2));
    conn.push('event', ev(3));

    conn = await reconnect();
    const call = conn.one('subscribe');
    expect(call.payload).toEqual({
      channels: ['room', 'other'],
      recover: { room: { offset: 3, epoch: 'e1' } },
    });
    // A live event before the answer is held until the recovered ones are out.
    conn.push('event', ev(7));
    conn.push('event', {
      ...ev(1, undefined, 'other'),
      offset: undefined,
      epoch: undefined,
      payload: 'live-only',
    });
    call.answer({
      ok: true,
      results: {
        room: { ok: true, recovered: true, offset: 6, epoch: 'e1', events: [ev(3), ev(4), ev(5), ev(6)] },
        other: { ok: true },
      },
    });
    conn.push('event', ev(7));
    conn.push('event', ev(8));
    expect(offsets(got)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(other.map((e) => e.payload)).toEqual(['live-only']);
    expect(states).toEqual(['subscribing', 'subscribed', 'subscribing', 'subscribed']);
  });

  it('on recovered:false emits gap, back-fills from history and only then delivers live events', async () => {
    let conn = await connected();
    const got = received();
    const gaps: GapInfo[] = [];
    client.channel('room').on('gap', (g) => gaps.push(g));
    const sub = client.channel('room').subscribe();
    conn.one('subscribe').answer({ ok: true, results: { room: { ok: true, offset: 10, epoch: 'e1' } } });
    await sub;

    conn = await reconnect();
    conn
      .one('subscribe')
      .answer({ ok: true, results: { room: { ok: true, recovered: false, offset: 1_205, epoch: 'e2' } } });
    conn.push('event', ev(1_206, 'e2'));
    await flush();
    const first = conn.one('history');
    expect(first.payload).toEqual({ channelID: 'room', sinceOffset: 10, order: 'asc', limit: 1000 });
    // Retention lost 11…14; the rest comes in two pages.
    first.answer({ ok: true, epoch: 'e2', events: Array.from({ length: 1000 }, (_, i) => ev(15 + i, 'e2')) });
    await flush();
    const second = conn.sent('history')[1];
    expect(second.payload).toMatchObject({ sinceOffset: 1_014 });
    second.answer({
      ok: true,
      epoch: 'e2',
      events: Array.from({ length: 191 }, (_, i) => ev(1_015 + i, 'e2')),
    });
    await flush();
    expect(gaps).toEqual([
      {
        channelID: 'room',
        reason: 'epoch_changed',
        from: { offset: 10, epoch: 'e1' },
        to: { offset: 1_205, epoch: 'e2' },
        backfilled: 1_191,
        lost: 4,
      },
    ]);
    expect(offsets(got)).toEqual([...Array.from({ length: 1_192 }, (_, i) => 15 + i)]);
    expect(client.channel('room').state).toBe('subscribed');
  });

  it('reports the whole gap as lost when history cannot be read', async () => {
    let conn = await connected();
    const got = received();
    const gaps: GapInfo[] = [];
    client.channel('room').on('gap', (g) => gaps.push(g));
    const sub = client.channel('room').subscribe();
    conn.one('subscribe').answer({ ok: true, results: { room: { ok: true, offset: 3, epoch: 'e1' } } });
    await sub;
    conn = await reconnect();
    conn
      .one('subscribe')
      .answer({ ok: true, results: { room: { ok: true, recovered: false, offset: 9, epoch: 'e1' } } });
    await flush();
    conn.one('history').answer({ ok: false, error: { code: 'unavailable', message: 'db down' } });
    await flush();
    conn.push('event', ev(10));
    expect(gaps[0]).toMatchObject({ reason: 'not_recoverable', backfilled: 0, lost: 6 });
    expect(offsets(got)).toEqual([10]);
  });

  it('keeps presence from the initial status plus updates, and clears it when the connection is lost', async () => {
    const conn = await connected();
    const room = client.channel('room');
    const seen: PresenceMap[] = [];
    room.on('presence', (p) => seen.push(p));
    const sub = room.subscribe();
    conn.push('initial_online_status', {
      channelID: 'room',
      clientStatus: { bob: { status: true, timestamp: 1 }, carol: { status: false, timestamp: 2 } },
    });
    conn.one('subscribe').answer({ ok: true, results: { room: { ok: true } } });
    await sub;
    conn.push('online_status', { channelID: 'room', clientID: 'carol', status: true, timestamp: 3 });
    expect([...room.presence()]).toEqual([
      ['bob', { status: true, timestamp: 1 }],
      ['carol', { status: true, timestamp: 3 }],
    ]);
    conn.drop();
    expect(room.presence().size).toBe(0);
    expect(seen.map((p) => p.size)).toEqual([2, 2, 0]);
  });

  it('passes join, leave, closed and opened on; removed unsubscribes', async () => {
    const conn = await connected();
    const room = client.channel('room');
    const got: string[] = [];
    room.on('join', (e) => got.push(`join:${e.clientID}`));
    room.on('leave', (e) => got.push(`leave:${e.clientID}`));
    room.on('closed', () => got.push('closed'));
    room.on('opened', () => got.push('opened'));
    room.on('removed', () => got.push('removed'));
    const sub = room.subscribe();
    conn.one('subscribe').answer({ ok: true, results: { room: { ok: true } } });
    await sub;
    conn.push('join_channel', { channelID: 'room', clientID: 'dan' });
    conn.push('leave_channel', { channelID: 'room', clientID: 'dan' });
    conn.push('channel_closed', { channelID: 'room' });
    conn.push('channel_opened', { channelID: 'room' });
    conn.push('remove_channel', { channelID: 'room' });
    conn.push('event', ev(1));
    expect(got).toEqual(['join:dan', 'leave:dan', 'closed', 'opened', 'removed']);
    expect(room.state).toBe('unsubscribed');
  });

  it('unsubscribe stops events and tells the server', async () => {
    const conn = await connected();
    const got = received();
    const room = client.channel('room');
    const sub = room.subscribe();
    conn.one('subscribe').answer({ ok: true, results: { room: { ok: true } } });
    await sub;
    const done = room.unsubscribe();
    conn.one('unsubscribe').answer({ ok: true });
    await done;
    conn.push('event', ev(1));
    expect(got).toEqual([]);
    expect(conn.one('unsubscribe').payload).toEqual({ channels: ['room'] });
  });

  it('takes over a server-side subscription and resubscribes it with recover after a reconnect', async () => {
    let conn = await connected();
    const announced: string[] = [];
    client.on('new_subscription', (e) => announced.push(e.channelID));
    conn.push('new_subscription', { channelID: 'news', offset: 5, epoch: 'e1' });
    const got = received('news');
    conn.push('event', ev(6, 'e1', 'news'));
    expect(offsets(got)).toEqual([6]);
    expect(announced).toEqual(['news']);
    conn = await reconnect();
    expect(conn.one('subscribe').payload).toEqual({
      channels: ['news'],
      recover: { news: { offset: 6, epoch: 'e1' } },
    });
  });

  it('publishes with an idempotency id and resolves with the acknowledgement', async () => {
    const conn = await connected();
    const published = client.channel('room').publish('chat', { text: 'hi' });
    const call = conn.one('publish');
    expect(call.payload).toEqual({
      channelID: 'room',
      eventType: 'chat',
      payload: { text: 'hi' },
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
    call.answer({ ok: true, id: call.payload['id'], offset: 9, epoch: 'e1', timestamp: 5 });
    await expect(published).resolves.toEqual({
      id: call.payload['id'],
      offset: 9,
      epoch: 'e1',
      timestamp: 5,
    });
  });

  it('re-sends an unacknowledged publish with the same id after reconnecting', async () => {
    let conn = await connected();
    const published = client.channel('room').publish('chat', 'x', { id: 'my-key' });
    expect(conn.one('publish').payload['id']).toBe('my-key');
    conn = await reconnect();
    const again = conn.one('publish');
    expect(again.payload).toEqual({ channelID: 'room', eventType: 'chat', payload: 'x', id: 'my-key' });
    again.answer({ ok: true, id: 'my-key', offset: 1, epoch: 'e1', timestamp: 2 });
    await expect(published).resolves.toMatchObject({ id: 'my-key', offset: 1 });
  });

  it('queues publishes while disconnected, in order, up to maxQueuedPublishes', async () => {
    const room = client.channel('room');
    const queued = [room.publish('t', 1), room.publish('t', 2), room.publish('t', 3)];
    await expect(room.publish('t', 4)).rejects.toMatchObject({ code: 'queue_full' });
    expect(client.queuedPublishes).toBe(3);
    const conn = await connected();
    const calls = conn.sent('publish');
    expect(calls.map((c) => c.payload['payload'])).toEqual([1, 2, 3]);
    calls.forEach((c, i) =>
      c.answer({ ok: true, id: c.payload['id'], offset: i + 1, epoch: 'e', timestamp: 0 }),
    );
    await expect(Promise.all(queued)).resolves.toHaveLength(3);
    expect(client.queuedPublishes).toBe(0);
  });

  it('rejects a publish the server refuses, and bad input before sending', async () => {
    const conn = await connected();
    const room = client.channel('room');
    const refused = room.publish('t', 1);
    conn.one('publish').answer({ ok: false, error: { code: 'channel_closed', message: 'room is closed' } });
    await expect(refused).rejects.toEqual(new ChannelsError('channel_closed', 'room is closed'));
    await expect(room.publish('', 1)).rejects.toMatchObject({ code: 'bad_request', message: /eventType/ });
    await expect(room.publish('t', undefined)).rejects.toMatchObject({ message: 'payload: is required' });
    expect(conn.sent('publish')).toHaveLength(1);
  });

  it('a publish with timeoutMs gives up and is not re-sent later', async () => {
    const room = client.channel('room');
    const published = room.publish('t', 1, { timeoutMs: 500 });
    jest.advanceTimersByTime(500);
    await expect(published).rejects.toMatchObject({ code: 'timeout' });
    const conn = await connected();
    expect(conn.sent('publish')).toHaveLength(0);
  });

  it('fetches presence from the server on demand', async () => {
    const conn = await connected();
    const p = client.channel('room').fetchPresence();
    conn.one('presence').answer({ ok: true, clientStatus: { bob: { status: true, timestamp: 1 } } });
    expect([...(await p)]).toEqual([['bob', { status: true, timestamp: 1 }]]);
  });
});
