import { type Channel, type ChannelEvent, eventText, type Principal } from '@channels/contracts';
import type {
  ChannelRepository,
  EventQuery,
  EventRepository,
  ImplicitChannelSettings,
  MembershipRepository,
  NamespaceRepository,
} from '@channels/db';
import { type DurableWaiter, FakeStreamSource, InMemoryBroker, InMemoryEventQueue } from '@channels/realtime';
import { ChannelAccess } from './channel-access.service';
import { ChannelDirectory } from './channel-directory.service';
import { HistoryService } from './history.service';
import type { MessagingOptions } from './messaging.options';
import { PublishService } from './publish.service';
import { WindowMirror } from './window-mirror';

const options: MessagingOptions = {
  maxPayloadBytes: 100,
  hotWindowSize: 5,
  idempotencyTtlSeconds: 300,
  directoryCacheMs: 0,
  queueBatchMaxEvents: 10,
  queueBatchMaxDelayMs: 1,
};

const channel = (id: string, flags: Partial<Channel> = {}): Channel => ({
  appID: 'app',
  channelID: id,
  name: id,
  persistent: true,
  private: false,
  presence: false,
  isClosed: false,
  clientPublish: true,
  joinLeave: true,
  historySize: null,
  historyTTLSeconds: null,
  autoCreated: false,
  extra: '',
  createdAt: 0,
  ...flags,
});

/** The publish path and history with every port faked: in-memory broker and queue, map-backed repositories. */
function setup(mirrorBytes = 0) {
  const channels = new Map<string, Channel>([
    ['news', channel('news')],
    ['live', channel('live', { persistent: false })],
    ['vault', channel('vault', { private: true })],
    ['ledger', channel('ledger', { ackMode: null, effectiveAckMode: 'committed' })],
  ]);
  const members = new Set(['vault/alice']);
  const stored: ChannelEvent[] = [];
  const storageReads: EventQuery[] = [];
  const channelRepo = {
    find: async (_a: string, id: string) => channels.get(id) ?? null,
    ensure: async (_a: string, id: string, settings: ImplicitChannelSettings) => {
      if (!channels.has(id)) channels.set(id, channel(id, { ...settings, autoCreated: true }));
      return channels.get(id) ?? null;
    },
  } as unknown as ChannelRepository;
  const namespaces = new Map([
    ['room', { ...channel('x', { persistent: true }), appID: 'app', name: 'room', autoCreate: true }],
    ['board', { ...channel('x', { clientPublish: false }), appID: 'app', name: 'board', autoCreate: true }],
    ['manual', { ...channel('x'), appID: 'app', name: 'manual', autoCreate: false }],
  ]);
  const namespaceRepo = {
    find: async (_a: string, name: string) => namespaces.get(name) ?? null,
  } as unknown as NamespaceRepository;
  const membershipRepo = {
    isMember: async (_a: string, ch: string, c: string) => members.has(`${ch}/${c}`),
  } as unknown as MembershipRepository;
  const query = async (q: EventQuery) => {
    storageReads.push(q);
    const rows = stored
      .filter((e) => e.channelID === q.channelID)
      .filter(
        (e) =>
          (q.afterOffset === undefined || (e.offset ?? 0) > q.afterOffset) &&
          (q.beforeOffset === undefined || (e.offset ?? 0) < q.beforeOffset),
      )
      .filter(
        (e) =>
          (q.since === undefined || e.timestamp >= q.since) &&
          (q.until === undefined || e.timestamp <= q.until),
      )
      .sort((a, b) => (q.order === 'asc' ? 1 : -1) * ((a.offset ?? 0) - (b.offset ?? 0)));
    return rows.slice(0, q.limit);
  };
  const eventRepo = {
    query,
    queryText: async (q: EventQuery) =>
      (await query(q)).map((e) =>
        eventText({
          ...e,
          offset: e.offset ?? 0,
          epoch: e.epoch ?? '',
          payloadJson: JSON.stringify(e.payload),
        }),
      ),
  } as unknown as EventRepository;
  const source = new FakeStreamSource();
  for (const id of channels.keys()) source.open('app', id);
  const broker = new InMemoryBroker(source, {
    windowSize: options.hotWindowSize,
    idempotencyTtlSeconds: 300,
    maxUncommitted: 100,
  });
  const queue = new InMemoryEventQueue({ maxBatchEvents: 10, maxDelayMs: 1 });
  const access = new ChannelAccess(
    new ChannelDirectory(channelRepo, membershipRepo, namespaceRepo, options),
    channelRepo,
    broker,
  );
  const publisher = new PublishService(access, broker, queue, options);
  const history = new HistoryService(access, eventRepo, broker, new WindowMirror(broker, mirrorBytes));
  /** What the writer would have committed so far (rows, then the channels' durable watermarks). */
  const commit = () => {
    stored.splice(0, stored.length, ...queue.events.map((e) => ({ ...e }) as ChannelEvent));
    for (const e of queue.events)
      void broker.markCommitted(e.appID, e.channelID, e.epoch, [[e.offset, e.offset]]);
  };
  /** A publisher whose "committed" acks wait on `durable` (the writer's announcements, faked). */
  const committing = (durable: DurableWaiter) => new PublishService(access, broker, queue, options, durable);
  return { publisher, history, broker, queue, source, commit, storageReads, committing, channels };
}

const alice: Principal = { role: 'Client', clientID: 'alice', appID: 'app' };
const bob: Principal = { role: 'Client', clientID: 'bob', appID: 'app' };
const admin: Principal = { role: 'Admin', clientID: 'ops', appID: 'app' };
const foreignAdmin: Principal = { role: 'Admin', clientID: 'x', appID: 'other' };

describe('PublishService', () => {
  it('stores an acked publish on a persistent channel: offset in the ack, one event handed to the writer', async () => {
    const { publisher, queue } = setup();
    const ack = await publisher.publish(
      alice,
      'app',
      { channelID: 'news', eventType: 'm', payload: { a: 1 } },
      { acked: true },
    );
    expect(ack).toMatchObject({
      id: expect.any(String),
      offset: 1,
      epoch: expect.any(String),
      timestamp: expect.any(Number),
    });
    expect(queue.events).toMatchObject([
      { appID: 'app', channelID: 'news', offset: 1, senderID: 'alice', payload: { a: 1 } },
    ]);
  });

  it('does not store publishes without ack nor events of non-persistent channels', async () => {
    const { publisher, queue, broker } = setup();
    const noAck = await publisher.publish(
      alice,
      'app',
      { channelID: 'news', eventType: 'm', payload: 1 },
      { acked: false },
    );
    const live = await publisher.publish(
      alice,
      'app',
      { channelID: 'live', eventType: 'm', payload: 1 },
      { acked: true },
    );
    expect(noAck.offset).toBeUndefined();
    expect(live.offset).toBeUndefined();
    expect(queue.events).toHaveLength(0);
    expect(broker.emitted).toHaveLength(2); // both delivered live
  });

  it('re-enqueues a duplicate id with the original offset (writer dedupes), never a second offset', async () => {
    const { publisher, queue } = setup();
    const a = await publisher.publish(
      alice,
      'app',
      { channelID: 'news', eventType: 'm', payload: 1, id: 'k' },
      { acked: true },
    );
    const b = await publisher.publish(
      alice,
      'app',
      { channelID: 'news', eventType: 'm', payload: 1, id: 'k' },
      { acked: true },
    );
    expect(b).toEqual(a);
    expect(queue.events.map((e) => e.offset)).toEqual([1, 1]);
  });

  it('refuses a stored publish with unavailable once the channel holds the bound of uncommitted events', async () => {
    const { publisher, queue, commit } = setup();
    const publish = (id?: string) =>
      publisher.publish(
        alice,
        'app',
        { channelID: 'news', eventType: 'm', payload: 1, ...(id ? { id } : {}) },
        { acked: true },
      );
    const first = await publish('first');
    for (let i = 1; i < 100; i++) await publish();
    await expect(publish()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('storage is behind'),
    });
    // A retry of an acked id still answers; a live-only publish still goes out.
    expect(await publish('first')).toEqual(first);
    await publisher.publish(
      alice,
      'app',
      { channelID: 'news', eventType: 'm', payload: 1 },
      { acked: false },
    );
    await new Promise((r) => setTimeout(r, 10));
    commit();
    expect((await publish()).offset).toBe(101);
    expect(queue.events.filter((e) => e.offset === 101)).toHaveLength(1);
  });

  it('acks a "committed" channel only once the writer committed the event, else answers unavailable', async () => {
    const { committing } = setup();
    const waits: { offset: number; resolve: (ok: boolean) => void }[] = [];
    const publisher = committing({
      waitCommitted: (_a, _c, _e, offset) => new Promise((resolve) => waits.push({ offset, resolve })),
      close: async () => undefined,
    });
    const publish = () =>
      publisher.publish(
        alice,
        'app',
        { channelID: 'ledger', eventType: 'm', payload: 1, id: 'pay-1' },
        { acked: true },
      );
    const waiting = async (n: number) => {
      while (waits.length < n) await new Promise((r) => setTimeout(r, 1));
    };
    let acked = false;
    const ack = publish().then((a) => ((acked = true), a));
    await waiting(1);
    expect(waits.map((w) => w.offset)).toEqual([1]);
    expect(acked).toBe(false);
    waits[0].resolve(false); // not committed in time
    await expect(ack).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('same id'),
    });
    const retry = publish();
    await waiting(2);
    waits[1].resolve(true);
    expect(await retry).toMatchObject({ id: 'pay-1', offset: 1 });
  });

  it('takes the sender from the token, never from the payload', async () => {
    const { publisher, queue } = setup();
    await publisher.publish(
      alice,
      'app',
      { channelID: 'news', eventType: 'm', payload: 1, senderID: 'mallory' },
      { acked: true },
    );
    expect(queue.events[0].senderID).toBe('alice');
  });

  it.each([
    ['unknown channel', bob, { channelID: 'nope', eventType: 'm', payload: 1 }, 'not_found'],
    ['private channel, not a member', bob, { channelID: 'vault', eventType: 'm', payload: 1 }, 'forbidden'],
    ['another app', foreignAdmin, { channelID: 'news', eventType: 'm', payload: 1 }, 'forbidden'],
    [
      'payload over the limit',
      alice,
      { channelID: 'news', eventType: 'm', payload: 'x'.repeat(200) },
      'payload_too_large',
    ],
    ['malformed', alice, { channelID: 'news' }, 'bad_request'],
  ])('refuses %s', async (_what, who, req, code) => {
    const { publisher } = setup();
    await expect(publisher.publish(who, 'app', req, { acked: true })).rejects.toMatchObject({ code });
  });

  it('lets members and admins publish to private channels, and refuses closed channels', async () => {
    const { publisher, broker } = setup();
    await expect(
      publisher.publish(alice, 'app', { channelID: 'vault', eventType: 'm', payload: 1 }, { acked: true }),
    ).resolves.toMatchObject({ offset: 1 });
    await expect(
      publisher.publish(admin, 'app', { channelID: 'vault', eventType: 'm', payload: 1 }, { acked: true }),
    ).resolves.toMatchObject({ offset: 2 });
    await broker.setGate('app', 'news', { exists: true, closed: true });
    await expect(
      publisher.publish(admin, 'app', { channelID: 'news', eventType: 'm', payload: 1 }, { acked: true }),
    ).rejects.toMatchObject({ code: 'channel_closed' });
  });
});

/** Acked publishes of payloads 1…n on the persistent channel `news`, one after the other. */
async function publishNews(publisher: PublishService, n: number): Promise<void> {
  for (let i = 1; i <= n; i++)
    await publisher.publish(alice, 'app', { channelID: 'news', eventType: 'm', payload: i }, { acked: true });
}

/** `publishNews` with distinct, growing timestamps (10 ms apart), then committed by the writer. */
async function publishNewsTicking(publisher: PublishService, n: number, commit: () => void): Promise<void> {
  let clock = 10_000;
  const now = jest.spyOn(Date, 'now').mockImplementation(() => (clock += 10));
  try {
    await publishNews(publisher, n);
  } finally {
    now.mockRestore();
  }
  await new Promise((r) => setTimeout(r, 10));
  commit();
}

describe('channels that exist without being created (protocol §5.1)', () => {
  const publish = (p: Principal, channelID: string, publisher: PublishService) =>
    publisher.publish(p, 'app', { channelID, eventType: 'm', payload: 1 }, { acked: true });

  it('makes a channel of an autoCreate namespace on first publish, with the namespace settings', async () => {
    const { publisher, channels, queue } = setup();
    const ack = await publish(alice, 'room:lobby', publisher);
    expect(ack.offset).toBe(1);
    expect(channels.get('room:lobby')).toMatchObject({ persistent: true, autoCreated: true });
    expect(queue.events).toMatchObject([{ channelID: 'room:lobby', offset: 1 }]);
    await expect(publish(alice, 'manual:x', publisher)).rejects.toMatchObject({ code: 'not_found' });
    await expect(publish(alice, 'nowhere:x', publisher)).rejects.toMatchObject({ code: 'not_found' });
    expect(channels.has('manual:x')).toBe(false);
  });

  it('lets only the listed clients (and admins) use a user-limited channel, made on first use', async () => {
    const { publisher, history, channels } = setup();
    await expect(publish(bob, 'dm#alice,bob', publisher)).resolves.toMatchObject({ id: expect.any(String) });
    expect(channels.get('dm#alice,bob')).toMatchObject({ persistent: false, presence: false });
    await expect(publish(alice, 'dm#alice,bob', publisher)).resolves.toBeDefined();
    await expect(publish(admin, 'dm#alice,bob', publisher)).resolves.toBeDefined();
    const carol: Principal = { role: 'Client', clientID: 'carol', appID: 'app' };
    await expect(publish(carol, 'dm#alice,bob', publisher)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(history.read(carol, 'app', { channelID: 'dm#alice,bob' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(publish(alice, '#alice', publisher)).resolves.toBeDefined();
    await expect(publish(bob, '#alice', publisher)).rejects.toMatchObject({ code: 'forbidden' });
    // A refused client never makes the channel.
    await expect(publish(carol, 'dm#bob', publisher)).rejects.toMatchObject({ code: 'forbidden' });
    expect(channels.has('dm#bob')).toBe(false);
  });

  it('takes a user-limited channel of a namespace with the namespace settings', async () => {
    const { publisher, channels } = setup();
    const ack = await publish(alice, 'room:dm#alice,bob', publisher);
    expect(ack.offset).toBe(1);
    expect(channels.get('room:dm#alice,bob')).toMatchObject({ persistent: true, autoCreated: true });
  });

  it('refuses client publishes where clientPublish is off, and lets admins publish', async () => {
    const { publisher } = setup();
    await expect(publish(alice, 'board:news', publisher)).rejects.toMatchObject({
      code: 'forbidden',
      message: 'clients may not publish on channel board:news',
    });
    await expect(publish(admin, 'board:news', publisher)).resolves.toBeDefined();
  });
});

describe.each([
  ['read straight from the window', 0],
  ['through the window mirror', 1_048_576],
])('HistoryService (%s)', (_how, mirrorBytes) => {
  it('serves the last N newest first from the window, and older ones from storage merged with it', async () => {
    const { publisher, history, commit } = setup(mirrorBytes);
    await publishNews(publisher, 8);
    await new Promise((r) => setTimeout(r, 10));
    commit();
    const last3 = await history.read(alice, 'app', { channelID: 'news', limit: 3 });
    expect(last3.events.map((e) => e.payload)).toEqual([8, 7, 6]);
    const all = await history.read(alice, 'app', { channelID: 'news', limit: 100, order: 'asc' });
    expect(all.events.map((e) => e.payload)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const after = await history.read(alice, 'app', { channelID: 'news', sinceOffset: 2, limit: 3 });
    expect(after.events.map((e) => e.offset)).toEqual([3, 4, 5]);
  });

  it('answers the newest N since a timestamp from the window tail, and from storage when the window is too short', async () => {
    const { publisher, history, commit, storageReads } = setup(mirrorBytes);
    // Distinct, growing timestamps for offsets 1…8; the window (5) holds offsets 4…8.
    await publishNewsTicking(publisher, 8, commit);
    const reads = () => storageReads.length;
    const all = await history.read(alice, 'app', { channelID: 'news', limit: 100, order: 'asc' });
    const ts = new Map(all.events.map((e) => [e.offset, e.timestamp]));
    const at = (offset: number) => ts.get(offset) as number;
    expect(at(5)).toBeLessThan(at(6));

    // Offsets 6…8 are at or after `since`; offset 5, older, bounds the answer inside the window.
    const before = reads();
    const r = await history.read(alice, 'app', { channelID: 'news', since: at(6), order: 'desc', limit: 4 });
    expect(r.events.map((e) => e.offset)).toEqual([8, 7, 6]);
    expect(reads()).toBe(before);

    // Every event of the window matches: older matching ones can only be in storage.
    const deep = await history.read(alice, 'app', {
      channelID: 'news',
      since: at(2),
      order: 'desc',
      limit: 10,
    });
    expect(deep.events.map((e) => e.offset)).toEqual([8, 7, 6, 5, 4, 3, 2]);
    expect(reads()).toBe(before + 1);

    // An upper bound inside the window.
    const until = await history.read(alice, 'app', {
      channelID: 'news',
      until: at(7),
      order: 'desc',
      limit: 2,
    });
    expect(until.events.map((e) => e.offset)).toEqual([7, 6]);
    expect(deep.epoch).toBe(r.epoch);
  });

  it('answers the newest N of a channel whose window Redis lost from the stored events below it, exact across new publishes', async () => {
    const { publisher, history, broker, source, commit, storageReads } = setup(mirrorBytes);
    await publishNews(publisher, 8);
    await new Promise((r) => setTimeout(r, 10));
    commit();
    broker.loseStreams();
    source.tops.set('app/news', 8);
    const reads = () => storageReads.length;
    const r1 = await history.read(alice, 'app', { channelID: 'news', limit: 4 });
    expect(r1.events.map((e) => e.offset)).toEqual([8, 7, 6, 5]);
    // Re-seeded above every offset a subscriber may have seen (stored top + maxUncommitted).
    expect(storageReads.at(-1)).toMatchObject({ beforeOffset: 109, order: 'desc', limit: 4 });
    const before = reads();
    expect(
      (await history.read(alice, 'app', { channelID: 'news', limit: 2 })).events.map((e) => e.offset),
    ).toEqual([8, 7]);
    // Publishes land in the new window above the stored events: they are in the next answer at once.
    await publishNews(publisher, 2);
    const r2 = await history.read(alice, 'app', { channelID: 'news', limit: 4 });
    expect(r2.events.map((e) => e.offset)).toEqual([110, 109, 8, 7]);
    expect(r2.epoch).toBe(r1.epoch);
    // Through the mirror, the stored tail is read once while the window's first offset stays put.
    expect(reads() - before).toBe(mirrorBytes > 0 ? 0 : 2);
  });

  it('answers the newest N since a timestamp of a channel whose window Redis lost from the stored tail', async () => {
    const { publisher, history, broker, source, commit, storageReads } = setup(mirrorBytes);
    await publishNewsTicking(publisher, 8, commit);
    const all = await history.read(alice, 'app', { channelID: 'news', limit: 100, order: 'asc' });
    const at = (offset: number) => all.events.find((e) => e.offset === offset)?.timestamp as number;
    broker.loseStreams();
    source.tops.set('app/news', 8);
    const reads = () => storageReads.length;
    const before = reads();
    // Older than everything: the newest N.
    const r1 = await history.read(alice, 'app', { channelID: 'news', since: 1, order: 'desc', limit: 3 });
    expect(r1.events.map((e) => e.offset)).toEqual([8, 7, 6]);
    expect(storageReads.at(-1)).toMatchObject({ beforeOffset: 109, order: 'desc', limit: 3 });
    expect(storageReads.at(-1)?.since).toBeUndefined();
    // Fewer than N at or after `since`: the answer stops at the first older event.
    const r2 = await history.read(alice, 'app', { channelID: 'news', since: at(7), order: 'desc', limit: 3 });
    expect(r2.events.map((e) => e.offset)).toEqual([8, 7]);
    // A new publish lands in the window above the stored tail.
    await publishNews(publisher, 1);
    const r3 = await history.read(alice, 'app', { channelID: 'news', since: at(7), order: 'desc', limit: 3 });
    expect(r3.events.map((e) => e.offset)).toEqual([109, 8, 7]);
    expect(reads() - before).toBe(mirrorBytes > 0 ? 1 : 3);
  });

  it('includes acked events the writer has not committed yet', async () => {
    const { publisher, history } = setup(mirrorBytes);
    await publishNews(publisher, 3);
    const r = await history.read(alice, 'app', { channelID: 'news', limit: 10, order: 'asc' });
    expect(r.events.map((e) => e.payload)).toEqual([1, 2, 3]);
  });

  it('is readable only by whoever may subscribe', async () => {
    const { history } = setup(mirrorBytes);
    await expect(history.read(bob, 'app', { channelID: 'vault' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(history.read(alice, 'app', { channelID: 'vault' })).resolves.toMatchObject({ events: [] });
    await expect(history.read(foreignAdmin, 'app', { channelID: 'news' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('recovers every event after an offset, from storage beyond the window', async () => {
    const { publisher, history, commit } = setup(mirrorBytes);
    await publishNews(publisher, 9);
    await new Promise((r) => setTimeout(r, 10));
    commit();
    const r = await history.after('app', 'news', 1, 100);
    expect(r.events.map((e) => e.offset)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.top).toBe(9);
  });
});
