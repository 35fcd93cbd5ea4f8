import type { RedisClientType } from 'redis';
import { Server } from 'socket.io';
import { adapterControls, createChannelAdapter, eventFrame } from './channel-adapter';

/** A node-redis stand-in: the adapter only subscribes and publishes through it. */
const fakeRedis = () =>
  ({
    sSubscribe: jest.fn(async () => undefined),
    sUnsubscribe: jest.fn(async () => undefined),
    sPublish: jest.fn(async () => 0),
  }) as unknown as RedisClientType;

/** A broadcast as processes outside the gateway send it (presence, the publish script). */
const broadcast = (room: string, event: string, payload: unknown, except: string[] = []) => ({
  uid: 'emitter',
  nsp: '/',
  type: 3,
  data: { opts: { rooms: [room], except, flags: {} }, packet: { type: 2, data: [event, payload], nsp: '/' } },
});

describe('channel adapter holds', () => {
  const redis = fakeRedis();
  const io = new Server({ adapter: createChannelAdapter(redis, redis, 'p:sio') as never });
  const nsp = io.of('/');
  const adapter = nsp.adapter as unknown as {
    addAll(id: string, rooms: Set<string>): void;
    onMessage(message: unknown): void;
    close(): Promise<void>;
  };
  afterAll(() => adapter.close());

  it('buffers a held room broadcast for held sockets, except those the broadcast excludes', () => {
    // Alice's laptop and Bob subscribe to the lobby at the same time; alice is in her client room.
    adapter.addAll('laptop', new Set(['laptop', 'client:alice', 'lobby']));
    adapter.addAll('bob', new Set(['bob', 'client:bob', 'lobby']));
    const controls = adapterControls(nsp);
    controls.hold('lobby', 'laptop');
    controls.hold('lobby', 'bob');

    const aliceOnline = { channelID: 'lobby', clientID: 'alice', status: true, timestamp: 1 };
    adapter.onMessage(broadcast('lobby', 'online_status', aliceOnline, ['client:alice']));
    adapter.onMessage(broadcast('lobby', 'event', { offset: 7 }));

    expect(controls.release('lobby', 'laptop')).toEqual([['event', { offset: 7 }]]);
    expect(controls.release('lobby', 'bob')).toEqual([
      ['online_status', aliceOnline],
      ['event', { offset: 7 }],
    ]);
  });

  it('buffers nothing once released', () => {
    const controls = adapterControls(nsp);
    adapter.onMessage(broadcast('lobby', 'event', { offset: 8 }));
    expect(controls.release('lobby', 'bob')).toEqual([]);
  });

  it('after a release with the covered offset, skips covered events still on their way, until a later one', () => {
    const written: [string, unknown][] = [];
    const sockets = nsp.sockets as unknown as Map<string, unknown>;
    // socket.io writes a broadcast's encoded packet (`2["event",…]`) to each socket's client.
    const fake = (id: string) => ({
      id,
      client: {
        writeToEngine: (encoded: string[]) => written.push([id, JSON.parse(encoded[0].slice(1)) as unknown]),
      },
    });
    adapter.addAll('carol', new Set(['carol', 'client:carol', 'hall']));
    adapter.addAll('dave', new Set(['dave', 'client:dave', 'hall']));
    sockets.set('carol', fake('carol'));
    sockets.set('dave', fake('dave'));
    try {
      const controls = adapterControls(nsp);
      controls.hold('hall', 'carol');
      adapter.onMessage(broadcast('hall', 'event', { offset: 11 }));
      // The subscribe's answer covered offsets up to 12; 12's broadcast has not arrived yet.
      expect(controls.release('hall', 'carol', 12)).toEqual([['event', { offset: 11 }]]);
      adapter.onMessage(broadcast('hall', 'event', { offset: 12 }));
      adapter.onMessage(broadcast('hall', 'online_status', { clientID: 'x', status: true }));
      adapter.onMessage(broadcast('hall', 'event', { offset: 13 }));
      adapter.onMessage(broadcast('hall', 'event', { offset: 12 }));
      const of = (id: string) => written.filter(([w]) => w === id).map(([, data]) => data);
      // Dave (never held) gets everything; Carol skips 12 once, and after 13 nothing is skipped.
      expect(of('dave')).toEqual([
        ['event', { offset: 11 }],
        ['event', { offset: 12 }],
        ['online_status', { clientID: 'x', status: true }],
        ['event', { offset: 13 }],
        ['event', { offset: 12 }],
      ]);
      expect(of('carol')).toEqual([
        ['online_status', { clientID: 'x', status: true }],
        ['event', { offset: 13 }],
        ['event', { offset: 12 }],
      ]);
    } finally {
      sockets.delete('carol');
      sockets.delete('dave');
    }
  });
});

describe('channel adapter frames', () => {
  const redis = fakeRedis();
  const io = new Server({ adapter: createChannelAdapter(redis, redis, 'p:sio') as never });
  const adapter = io.of('/').adapter as unknown as {
    _encode(packet: unknown, opts: { wsPreEncodedFrame?: Buffer[] }): unknown[];
    close(): Promise<void>;
  };
  afterAll(() => adapter.close());

  it("pre-encodes a broadcast's WebSocket frame as one buffer: header and payload joined", () => {
    const opts: { wsPreEncodedFrame?: Buffer[] } = {};
    const encoded = adapter._encode({ type: 2, data: ['event', { offset: 9 }], nsp: '/' }, opts);
    expect(encoded).toEqual(['2["event",{"offset":9}]']);
    const frame = opts.wsPreEncodedFrame ?? [];
    expect(frame).toHaveLength(1);
    // An unmasked text frame (FIN, opcode 1), its length, then the engine.io message packet.
    const text = '42["event",{"offset":9}]';
    expect(frame[0]).toEqual(Buffer.concat([Buffer.from([0x81, text.length]), Buffer.from(text)]));
  });
});

describe('channel events framed without decoding', () => {
  const redis = fakeRedis();
  const io = new Server({ adapter: createChannelAdapter(redis, redis, 'p:sio') as never });
  const nsp = io.of('/');
  const adapter = nsp.adapter as unknown as {
    addAll(id: string, rooms: Set<string>): void;
    onRawMessage(message: Buffer, channel: Buffer): void;
    close(): Promise<void>;
  };
  afterAll(() => adapter.close());
  const room = 'ch:{app|news}';
  const channel = Buffer.from(`p:sio#/#${room}#`);
  /** What each fake socket was given to write: [socket id, encoded packets, frame]. */
  const written: [string, unknown, Buffer[] | undefined][] = [];
  /** Whether each write was asked to leave at once (`wsWriteNow`), in the same order. */
  const now: boolean[] = [];
  for (const id of ['s1', 's2']) {
    (nsp.sockets as unknown as Map<string, unknown>).set(id, {
      id,
      client: {
        writeToEngine: (encoded: unknown, opts: { wsPreEncodedFrame?: Buffer[]; wsWriteNow?: boolean }) => {
          written.push([id, encoded, opts.wsPreEncodedFrame]);
          now.push(opts.wsWriteNow === true);
        },
      },
    });
    adapter.addAll(id, new Set([id, room]));
  }
  // The handler the adapter subscribed to the room's shard channel with.
  const subscribed = (redis.sSubscribe as jest.Mock).mock.calls.find((c) => c[0] === channel.toString());
  const deliver = subscribed?.[1] as (message: Buffer, channel: Buffer) => void;
  const message = (event: string, payload: unknown, except: string[] = []) =>
    Buffer.from(JSON.stringify(broadcast(room, event, payload, except)));
  const take = () => {
    now.splice(0, now.length);
    return written.splice(0, written.length);
  };
  /** Lets the events of the current read be written (they are, once the read is parsed). */
  const readParsed = () => new Promise<void>((r) => process.nextTick(r));

  it('frames a channel event exactly as the adapter would after decoding the message', async () => {
    expect(deliver).toBeInstanceOf(Function);
    const decode = jest.spyOn(adapter, 'onRawMessage');
    for (const size of [10, 200, 70_000]) {
      const event = { id: 'e1', channelID: 'news', offset: 3, payload: { text: 'é'.repeat(size) } };
      deliver(message('event', event), channel);
      expect(decode).not.toHaveBeenCalled();
      await readParsed();
      const fast = take();
      adapter.onRawMessage(message('event', event), channel);
      const decoded = take();
      expect(fast.map(([id]) => id)).toEqual(['s1', 's2']);
      expect(fast).toEqual(decoded.map(([id, enc, frame]) => [id, enc, frame]));
      // One buffer: the frame header and the engine.io packet.
      expect(fast[0][2]).toHaveLength(1);
      expect(fast[0][1]).toEqual([`2${JSON.stringify(['event', event])}`]);
      decode.mockClear();
    }
    decode.mockRestore();
  });

  it('leaves other messages to the adapter: other events, exceptions, held rooms', async () => {
    const controls = adapterControls(nsp);
    const decode = jest.spyOn(adapter, 'onRawMessage');
    const status = { channelID: 'news', clientID: 'x', status: true, timestamp: 1 };
    deliver(message('online_status', status, ['client:x']), channel);
    expect(decode).toHaveBeenCalledTimes(1);
    expect(take().map(([id, enc]) => [id, enc])).toEqual([
      ['s1', [`2${JSON.stringify(['online_status', status])}`]],
      ['s2', [`2${JSON.stringify(['online_status', status])}`]],
    ]);
    controls.hold(room, 's1');
    deliver(message('event', { offset: 4 }), channel);
    await readParsed();
    expect(take().map(([id]) => id)).toEqual(['s2']);
    expect(controls.release(room, 's1')).toEqual([['event', { offset: 4 }]]);
    expect(decode).toHaveBeenCalledTimes(2);
    decode.mockRestore();
  });

  it('writes an event alone in its read at once, and groups the events of a read', async () => {
    deliver(message('event', { offset: 5 }), channel);
    expect(written).toEqual([]);
    await readParsed();
    expect(written.map(([id, enc]) => [id, enc])).toEqual([
      ['s1', ['2["event",{"offset":5}]']],
      ['s2', ['2["event",{"offset":5}]']],
    ]);
    expect(now).toEqual([true, true]);
    take();
    // Three events in one read: in order, each connection corked until the tick ends.
    for (const offset of [6, 7, 8]) deliver(message('event', { offset }), channel);
    await readParsed();
    expect(written.map(([id, enc]) => `${id} ${String(enc)}`)).toEqual(
      [6, 7, 8].flatMap((o) => [`s1 2["event",{"offset":${o}}]`, `s2 2["event",{"offset":${o}}]`]),
    );
    expect(now).toEqual([false, false, false, false, false, false]);
    take();
  });

  it('writes the events before a message the adapter decodes, in the order of the read', async () => {
    const status = { channelID: 'news', clientID: 'x', status: true, timestamp: 1 };
    deliver(message('event', { offset: 9 }), channel);
    deliver(message('online_status', status, ['client:x']), channel);
    deliver(message('event', { offset: 10 }), channel);
    await readParsed();
    expect(take().map(([id, enc]) => `${id} ${String(enc)}`)).toEqual([
      's1 2["event",{"offset":9}]',
      's2 2["event",{"offset":9}]',
      `s1 2${JSON.stringify(['online_status', status])}`,
      `s2 2${JSON.stringify(['online_status', status])}`,
      's1 2["event",{"offset":10}]',
      's2 2["event",{"offset":10}]',
    ]);
  });
});

describe('delivery counting', () => {
  const redis = fakeRedis();
  const counted: number[] = [];
  const io = new Server({
    adapter: createChannelAdapter(redis, redis, 'p:sio', (n) => counted.push(n)) as never,
  });
  const nsp = io.of('/');
  const adapter = nsp.adapter as unknown as {
    uid: string;
    addAll(id: string, rooms: Set<string>): void;
    onRawMessage(message: Buffer, channel: Buffer): void;
    onMessage(message: unknown): void;
    close(): Promise<void>;
  };
  afterAll(() => adapter.close());
  const room = 'ch:{app|chat}';
  const channel = Buffer.from(`p:sio#/#${room}#`);
  for (const id of ['a', 'b', 'c']) {
    (nsp.sockets as unknown as Map<string, unknown>).set(id, {
      id,
      client: { writeToEngine: () => undefined },
    });
    adapter.addAll(id, new Set([id, room]));
  }
  const deliver = (redis.sSubscribe as jest.Mock).mock.calls.find(
    (c) => c[0] === channel.toString(),
  )?.[1] as (message: Buffer, channel: Buffer) => void;
  const message = (event: string, payload: unknown) =>
    Buffer.from(JSON.stringify(broadcast(room, event, payload)));
  const readParsed = () => new Promise<void>((r) => process.nextTick(r));
  beforeEach(() => counted.splice(0, counted.length));

  it('adds the local subscribers of the events of one read from Redis, in one call', async () => {
    for (const offset of [1, 2, 3, 4]) deliver(message('event', { offset }), channel);
    await readParsed();
    expect(counted).toEqual([12]);
    deliver(message('event', { offset: 5 }), channel);
    await readParsed();
    expect(counted).toEqual([12, 3]);
  });

  it("counts channel events on the adapter's own path once per broadcast, without the held sockets", async () => {
    const controls = adapterControls(nsp);
    controls.hold(room, 'a');
    deliver(message('event', { offset: 6 }), channel);
    await readParsed();
    expect(counted).toEqual([2]);
    controls.release(room, 'a');
    adapter.onMessage(broadcast(room, 'event', { offset: 7 }, ['b']));
    expect(counted).toEqual([2, 2]);
  });

  it('counts no other server event, nor what the adapter ignores', async () => {
    deliver(
      message('online_status', { channelID: 'chat', clientID: 'x', status: true, timestamp: 1 }),
      channel,
    );
    adapter.onMessage({ ...broadcast(room, 'event', { offset: 8 }), uid: adapter.uid });
    adapter.onMessage({ ...broadcast(room, 'event', { offset: 9 }), nsp: '/other' });
    deliver(Buffer.from(JSON.stringify(broadcast('ch:{app|empty}', 'event', { offset: 1 }))), channel);
    await readParsed();
    expect(counted.reduce((s, n) => s + n, 0)).toBe(0);
  });
});

describe('eventFrame', () => {
  it("builds the same frames as ws's Sender, for every length class", async () => {
    // ws's frame builder (not in its type definitions).
    const { Sender } = (await import('ws')) as unknown as {
      Sender: { frame(data: Buffer, options: object): Buffer[] };
    };
    for (const size of [1, 100, 114, 115, 200, 65_524, 65_525, 70_000]) {
      const event = Buffer.from(`{"p":"${'x'.repeat(size)}"}`);
      const wrapped = Buffer.from(`xx${event.toString()}yy`);
      const expected = Sender.frame(Buffer.concat([Buffer.from('42["event",'), event, Buffer.from(']')]), {
        fin: true,
        rsv1: false,
        opcode: 1,
        mask: false,
        readOnly: false,
      });
      expect(eventFrame(wrapped, 2, wrapped.length - 2)).toEqual(Buffer.concat(expected));
    }
  });
});
