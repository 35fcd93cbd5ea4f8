import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'protobufjs';
import { OPTIMIZED_PROTO } from './optimized-proto';
import {
  type ChannelEvent,
  decodeChannelEvent,
  decodeClientFrame,
  decodeClientJoin,
  decodeClientLeave,
  decodeInitialPresenceStatus,
  decodeNewEvent,
  decodeOnlineStatusUpdate,
  decodePublishAck,
  decodePublishRequest,
  decodeSubscribeRequest,
  encodeChannelEvent,
  encodeClientJoin,
  encodeClientLeave,
  encodeInitialPresenceStatus,
  encodeNewEvent,
  encodeOnlineStatusUpdate,
  encodePublishAck,
  encodePublishRequest,
  encodeServerFrame,
  encodeSubscribeRequest,
  isNewEventType,
  NewEventType,
  OptimizedWireError,
} from './wire';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const protoFile = readFileSync(join(__dirname, 'optimized.proto'), 'utf8');

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('optimized.proto', () => {
  it('is the schema the codec is built from (run scripts/embed-optimized-proto.mjs after editing it)', () => {
    expect(OPTIMIZED_PROTO).toBe(protoFile);
  });

  it('declares NewEventType with the values the codec exports', () => {
    const schema = parse(protoFile, { keepCase: true }).root;
    expect(schema.lookupEnum('NewEvent.NewEventType').values).toEqual(NewEventType);
  });

  it('holds exactly the messages of the wire, with their field numbers', () => {
    const schema = parse(protoFile, { keepCase: true }).root;
    const fields = (name: string) =>
      Object.fromEntries(schema.lookupType(name).fieldsArray.map((f) => [f.name, [f.id, f.type]]));
    expect(schema.nestedArray.map((n) => n.name).sort()).toEqual(
      [
        'NewEvent',
        'SubscribeRequest',
        'PublishRequest',
        'PublishAck',
        'ChannelEvent',
        'ClientJoin',
        'ClientLeave',
        'OnlineStatusUpdate',
        'ClientStatus',
        'InitialPresenceStatus',
        'Envelope',
      ].sort(),
    );
    expect(fields('NewEvent')).toEqual({ type: [1, 'NewEventType'], payload: [2, 'bytes'] });
    expect(fields('SubscribeRequest')).toEqual({ channelID: [1, 'string'], ID: [2, 'uint32'] });
    expect(fields('PublishRequest')).toEqual({
      ID: [1, 'uint32'],
      eventType: [2, 'string'],
      channelID: [3, 'string'],
      payload: [4, 'string'],
    });
    expect(fields('PublishAck')).toEqual({ replyTo: [1, 'uint32'], status: [2, 'bool'] });
    expect(fields('ChannelEvent')).toEqual({
      senderID: [1, 'string'],
      eventType: [2, 'string'],
      payload: [3, 'string'],
      channelID: [4, 'string'],
      timestamp: [5, 'int64'],
    });
    expect(fields('ClientJoin')).toEqual({ channelID: [1, 'string'], clientID: [2, 'string'] });
    expect(fields('ClientLeave')).toEqual({ channelID: [1, 'string'], clientID: [2, 'string'] });
    expect(fields('OnlineStatusUpdate')).toEqual({
      channelID: [1, 'string'],
      clientID: [2, 'string'],
      status: [3, 'bool'],
      timestamp: [4, 'int64'],
    });
    expect(fields('ClientStatus')).toEqual({ status: [1, 'bool'], timestamp: [2, 'int64'] });
    expect(fields('InitialPresenceStatus')).toEqual({
      channelID: [1, 'string'],
      clientStatus: [2, 'ClientStatus'],
    });
    expect(schema.lookupType('InitialPresenceStatus').fields.clientStatus.map).toBe(true);
    expect(fields('Envelope')).toEqual({ isMultiple: [1, 'bool'], events: [2, 'NewEvent'] });
  });
});

describe('optimized wire bytes', () => {
  // Tags: (field << 3) | wire type; varints little-endian 7 bits a byte; proto3 leaves defaults out.
  it('encodes messages as the protobuf rules say', () => {
    expect(hex(encodeSubscribeRequest({ channelID: 'a', ID: 1 }))).toBe('0a016110' + '01');
    expect(hex(encodeSubscribeRequest({ channelID: '', ID: 0 }))).toBe('');
    expect(hex(encodePublishAck({ replyTo: 300, status: true }))).toBe('08ac02' + '1001');
    expect(hex(encodePublishAck({ replyTo: 4294967295, status: false }))).toBe('08ffffffff0f');
    expect(hex(encodePublishRequest({ ID: 0, eventType: 't', channelID: 'c', payload: 'é' }))).toBe(
      '1201' + '74' + '1a01' + '63' + '2202' + 'c3a9',
    );
    // 1700000000 = 0x6553f100 → 7-bit groups 0x00 0x62 0x4f 0x2a 0x06.
    expect(
      hex(
        encodeChannelEvent({
          senderID: 's',
          eventType: '',
          payload: '',
          channelID: '',
          timestamp: 1700000000,
        }),
      ),
    ).toBe('0a0173' + '28' + '80e2cfaa06');
    expect(hex(encodeOnlineStatusUpdate({ channelID: 'c', clientID: 'u', status: true, timestamp: 1 }))).toBe(
      '0a0163' + '120175' + '1801' + '2001',
    );
  });

  it('frames a message in a NewEvent, leaving out type 0 and an empty payload', () => {
    expect(hex(encodeNewEvent(NewEventType.SUBSCRIBE, bytes('0a016110 01')))).toBe(
      '0804' + '1205' + '0a01611001',
    );
    expect(hex(encodeNewEvent(NewEventType.JOIN_CHANNEL, bytes('0a0163')))).toBe('1203' + '0a0163');
    expect(hex(encodeNewEvent(NewEventType.ACK, new Uint8Array(0)))).toBe('0806');
  });

  it('writes server frames in one pass, byte for byte what framing the encoded message gives', () => {
    expect(hex(encodeServerFrame(NewEventType.ACK, { replyTo: 1, status: true }))).toBe(
      '0806' + '1204' + '08011001',
    );
    expect(hex(encodeServerFrame(NewEventType.ACK, { replyTo: 0, status: false }))).toBe('0806');
    expect(hex(encodeServerFrame(NewEventType.JOIN_CHANNEL, { channelID: 'c', clientID: 'u' }))).toBe(
      '1206' + '0a0163' + '120175',
    );
    expect(hex(encodeServerFrame(NewEventType.NEW_CHANNEL, 'ab'))).toBe('0802' + '1202' + '6162');
    expect(hex(encodeServerFrame(NewEventType.REMOVE_CHANNEL, 'é'))).toBe('0803' + '1202' + 'c3a9');

    const next = random(7);
    for (const size of [0, 1, 100, 127, 128, 300, 16_383, 16_384, 70_000, 2_000_000, 5]) {
      const e: ChannelEvent = {
        senderID: `s${size}`,
        eventType: 'chat',
        payload: 'x€'.repeat(size / 2),
        channelID: 'room-1',
        timestamp: Math.floor(next() * 2 ** 40),
      };
      const frame = encodeServerFrame(NewEventType.PUBLISH, e);
      expect(hex(frame)).toBe(hex(encodeNewEvent(NewEventType.PUBLISH, encodeChannelEvent(e))));
      expect(decodeChannelEvent(decodeNewEvent(frame).payload)).toEqual(e);
    }
  });

  it('gives each encode its own bytes (a later encode does not change an earlier result)', () => {
    const first = encodeServerFrame(NewEventType.NEW_CHANNEL, 'first');
    const copy = hex(first);
    encodeServerFrame(NewEventType.NEW_CHANNEL, 'second-and-longer');
    encodeSubscribeRequest({ channelID: 'x'.repeat(100_000), ID: 9 });
    expect(hex(first)).toBe(copy);
  });
});

describe('optimized wire round trips', () => {
  it('decodes what it encodes, every field present', () => {
    const sub = { channelID: 'chan-é-😀', ID: 4294967295 };
    expect(decodeSubscribeRequest(encodeSubscribeRequest(sub))).toStrictEqual(sub);
    expect(decodeSubscribeRequest(new Uint8Array(0))).toStrictEqual({ channelID: '', ID: 0 });

    const pub = { ID: 12, eventType: 'message', channelID: 'c', payload: '{"a":[1,2]}' };
    expect(decodePublishRequest(encodePublishRequest(pub))).toStrictEqual(pub);
    expect(decodePublishRequest(new Uint8Array(0))).toStrictEqual({
      ID: 0,
      eventType: '',
      channelID: '',
      payload: '',
    });

    const ack = { replyTo: 7, status: true };
    expect(decodePublishAck(encodePublishAck(ack))).toStrictEqual(ack);

    const ev = { senderID: 'u1', eventType: 't', payload: 'hi', channelID: 'c', timestamp: 2 ** 53 - 1 };
    expect(decodeChannelEvent(encodeChannelEvent(ev))).toStrictEqual(ev);
    const negative = { ...ev, timestamp: -5 };
    expect(decodeChannelEvent(encodeChannelEvent(negative))).toStrictEqual(negative);

    const join = { channelID: 'c', clientID: 'u' };
    expect(decodeClientJoin(encodeClientJoin(join))).toStrictEqual(join);
    expect(decodeClientLeave(encodeClientLeave(join))).toStrictEqual(join);

    const online = { channelID: 'c', clientID: 'u', status: false, timestamp: 1_700_000_000 };
    expect(decodeOnlineStatusUpdate(encodeOnlineStatusUpdate(online))).toStrictEqual(online);

    const initial = {
      channelID: 'c',
      clientStatus: {
        alice: { status: true, timestamp: 1_700_000_000 },
        bob: { status: false, timestamp: 0 },
        'é 😀': { status: true, timestamp: 1 },
      },
    };
    expect(decodeInitialPresenceStatus(encodeInitialPresenceStatus(initial))).toStrictEqual(initial);
    expect(
      decodeInitialPresenceStatus(encodeInitialPresenceStatus({ channelID: 'c', clientStatus: {} })),
    ).toStrictEqual({ channelID: 'c', clientStatus: {} });
  });

  it('decodes a NewEvent, its payload a view of the input', () => {
    const input = bytes('0805 1203 616263');
    const frame = decodeNewEvent(input);
    expect(frame.type).toBe(NewEventType.PUBLISH);
    expect(Buffer.from(frame.payload).toString()).toBe('abc');
    expect(frame.payload.buffer).toBe(input.buffer);
    expect(decodeNewEvent(bytes('0806'))).toStrictEqual({
      type: NewEventType.ACK,
      payload: new Uint8Array(0),
    });
    expect(decodeNewEvent(new Uint8Array(0)).type).toBe(NewEventType.JOIN_CHANNEL);
  });

  it('decodes the frames a client sends, and nothing else', () => {
    const sub = { channelID: 'a', ID: 1 };
    const pub = { ID: 0, eventType: 't', channelID: 'a', payload: 'p' };
    expect(
      decodeClientFrame(encodeNewEvent(NewEventType.SUBSCRIBE, encodeSubscribeRequest(sub))),
    ).toStrictEqual({
      type: NewEventType.SUBSCRIBE,
      request: sub,
    });
    expect(decodeClientFrame(encodeNewEvent(NewEventType.PUBLISH, encodePublishRequest(pub)))).toStrictEqual({
      type: NewEventType.PUBLISH,
      request: pub,
    });
    expect(decodeClientFrame(encodeServerFrame(NewEventType.ACK, { replyTo: 1, status: true }))).toBeNull();
    expect(decodeClientFrame(encodeServerFrame(NewEventType.NEW_CHANNEL, 'a'))).toBeNull();
  });
});

describe('optimized wire: unknown and malformed input', () => {
  it('keeps an unknown frame type as its number (the enum is open)', () => {
    expect(decodeNewEvent(bytes('0863 1201 61')).type).toBe(99);
    expect(decodeNewEvent(bytes('08ffffffffffffffffff01')).type).toBe(-1);
    expect(isNewEventType(99)).toBe(false);
    expect(isNewEventType(-1)).toBe(false);
    expect(isNewEventType(1.5)).toBe(false);
    expect(Object.values(NewEventType).every(isNewEventType)).toBe(true);
    expect(decodeClientFrame(bytes('0863 1201 61'))).toBeNull();
  });

  it('skips unknown fields and fields of the wrong wire type', () => {
    // Field 9 (varint 5) and field 1 as fixed32, then ID = 3.
    expect(decodeSubscribeRequest(bytes('4805 0d01020304 1003'))).toStrictEqual({ channelID: '', ID: 3 });
    expect(decodeNewEvent(bytes('0806 2a00 1201ff')).type).toBe(NewEventType.ACK);
  });

  it.each([
    ['a truncated length', '0a0561'],
    ['a truncated varint', '10ff'],
    ['invalid UTF-8 in a string', '0a02fffe'],
    ['a group wire type', '0b'],
    ['an end-group tag', '0c'],
    ['wire type 6', '0e00'],
    ['field number 0', '0001'],
  ])('refuses %s with OptimizedWireError', (_what, input) => {
    expect(() => decodeSubscribeRequest(bytes(input))).toThrow(OptimizedWireError);
    expect(() => decodeSubscribeRequest(bytes(input))).toThrow(/malformed SubscribeRequest/);
  });

  it('refuses a frame whose payload is not its type’s message', () => {
    const badPayload = encodeNewEvent(NewEventType.PUBLISH, bytes('1a05ff'));
    expect(() => decodeClientFrame(badPayload)).toThrow(OptimizedWireError);
    expect(() => decodeNewEvent(bytes('1205 0102'))).toThrow(OptimizedWireError);
    expect(() => decodeInitialPresenceStatus(bytes('1203 0a05 61'))).toThrow(OptimizedWireError);
  });

  it('never throws anything but OptimizedWireError on random bytes', () => {
    const next = random(42);
    let refused = 0;
    for (let i = 0; i < 5_000; i++) {
      const input = new Uint8Array(Math.floor(next() * 40));
      for (let j = 0; j < input.length; j++) input[j] = Math.floor(next() * 256);
      try {
        decodeClientFrame(input);
      } catch (e) {
        expect(e).toBeInstanceOf(OptimizedWireError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
