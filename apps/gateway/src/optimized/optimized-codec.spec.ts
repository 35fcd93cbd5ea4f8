import { type ChannelEvent, eventJson, OptimizedWire } from '@channels/contracts';
import { ackBytes, binaryFrame, eventBytes, noticeBytes, optimizedCodec } from './optimized-codec';

const T = OptimizedWire.NewEventType;
const ev: ChannelEvent = {
  id: 'e1',
  channelID: 'news',
  offset: 3,
  epoch: 'E',
  eventType: 'msg',
  payload: { n: 1 },
  senderID: 'alice',
  timestamp: 1_800_000_123_456,
};

/** A notice's frame, which must exist. */
const must = (bytes: Uint8Array | undefined): Uint8Array => {
  if (!bytes) throw new Error('no frame for this notice');
  return bytes;
};

const decodeEvent = (bytes: Uint8Array) => {
  const frame = OptimizedWire.decodeNewEvent(bytes);
  expect(frame.type).toBe(T.PUBLISH);
  return OptimizedWire.decodeChannelEvent(frame.payload);
};

describe('optimized codec', () => {
  it('encodes a channel event as PUBLISH with the time in seconds and the payload as text', () => {
    expect(decodeEvent(eventBytes(ev))).toEqual({
      senderID: 'alice',
      eventType: 'msg',
      payload: '{"n":1}',
      channelID: 'news',
      timestamp: 1_800_000_123,
    });
    expect(decodeEvent(eventBytes({ ...ev, payload: 'plain text' })).payload).toBe('plain text');
  });

  it('takes a JSON payload from the event text as published, so its numbers keep their digits', () => {
    const textOf = eventJson({ ...ev, offset: 3, epoch: 'E', payloadJson: '{"big":12345678901234567890}' });
    const buf = Buffer.from(`xx${textOf}yy`);
    const frame = optimizedCodec.event(buf, 2, buf.length - 2, () => JSON.parse(textOf) as ChannelEvent);
    expect(decodeEvent(frame.bytes).payload).toBe('{"big":12345678901234567890}');
    // The WebSocket frame: final binary, unmasked, the bytes as payload.
    expect(frame.frame[0]).toBe(0x82);
    expect(frame.frame.subarray(frame.frame.length - frame.bytes.length)).toEqual(Buffer.from(frame.bytes));
  });

  it('maps notices to the original frames and leaves out what the original wire has not', () => {
    const nc = OptimizedWire.decodeNewEvent(
      must(noticeBytes({ name: 'new_channel', payload: { channelID: 'é' } })),
    );
    expect(nc.type).toBe(T.NEW_CHANNEL);
    expect(Buffer.from(nc.payload).toString('utf8')).toBe('é');
    const rc = OptimizedWire.decodeNewEvent(
      must(noticeBytes({ name: 'remove_channel', payload: { channelID: 'x' } })),
    );
    expect(rc.type).toBe(T.REMOVE_CHANNEL);
    const join = OptimizedWire.decodeNewEvent(
      must(noticeBytes({ name: 'join_channel', payload: { channelID: 'c', clientID: 'bob' } })),
    );
    expect(join.type).toBe(T.JOIN_CHANNEL);
    expect(OptimizedWire.decodeClientJoin(join.payload)).toEqual({ channelID: 'c', clientID: 'bob' });
    const online = OptimizedWire.decodeNewEvent(
      must(
        noticeBytes({
          name: 'online_status',
          payload: { channelID: 'c', clientID: 'bob', status: false, timestamp: 1_800_000_000_999 },
        }),
      ),
    );
    expect(online.type).toBe(T.ONLINE_STATUS);
    expect(OptimizedWire.decodeOnlineStatusUpdate(online.payload)).toEqual({
      channelID: 'c',
      clientID: 'bob',
      status: false,
      timestamp: 1_800_000_000,
    });
    const initial = OptimizedWire.decodeNewEvent(
      must(
        noticeBytes({
          name: 'initial_online_status',
          payload: { channelID: 'c', clientStatus: { bob: { status: true, timestamp: 1_800_000_001_000 } } },
        }),
      ),
    );
    expect(initial.type).toBe(T.INITIAL_ONLINE_STATUS);
    expect(OptimizedWire.decodeInitialPresenceStatus(initial.payload)).toEqual({
      channelID: 'c',
      clientStatus: { bob: { status: true, timestamp: 1_800_000_001 } },
    });
    for (const name of ['channel_closed', 'refresh_required'] as const)
      expect(noticeBytes({ name, payload: { channelID: 'c', expiresAt: 1 } } as never)).toBeUndefined();
    expect(optimizedCodec.notice({ name: 'channel_opened', payload: { channelID: 'c' } })).toBeUndefined();
  });

  it('encodes ACKs and frames of every length class', () => {
    expect(OptimizedWire.decodePublishAck(OptimizedWire.decodeNewEvent(ackBytes(7, true)).payload)).toEqual({
      replyTo: 7,
      status: true,
    });
    for (const n of [0, 125, 126, 65_535, 65_536]) {
      const f = binaryFrame(new Uint8Array(n).fill(1));
      const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
      expect(f.length).toBe(header + n);
      expect(f[1]).toBe(n < 126 ? n : n < 65_536 ? 126 : 127);
    }
  });
});
