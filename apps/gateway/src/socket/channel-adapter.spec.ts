import type { RedisClientType } from 'redis';
import { Server } from 'socket.io';
import { adapterControls, createChannelAdapter } from './channel-adapter';

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
