import { type ChannelEvent, OptimizedWire } from '@channels/contracts';
import type { Notice, ProtocolCodec } from '@channels/messaging';
import { allocFrame } from '../socket/socket-io-transport';

const T = OptimizedWire.NewEventType;

/** The `/optimized` protocol's name in the core (the codec key). */
export const OPTIMIZED = 'optimized';

/** A `/optimized` message encoded once for many connections: the NewEvent bytes and its WebSocket frame. */
export interface OptimizedFrame {
  bytes: Uint8Array;
  frame: Buffer;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

// `,"senderID":` cannot occur inside a JSON string, so its last occurrence ends the payload (see `eventJson`).
const PAYLOAD_KEY = Buffer.from(',"payload":');
const SENDER_KEY = Buffer.from(',"senderID":');

/**
 * The payload as the original wire carries it: a string as it is, any other JSON value as its JSON
 * text — cut from the event's canonical text when there is one, so numbers keep their digits.
 */
function payloadText(event: ChannelEvent, text?: Buffer, start = 0, end = 0): string {
  if (typeof event.payload === 'string') return event.payload;
  if (text) {
    const from = text.indexOf(PAYLOAD_KEY, start);
    const to = text.lastIndexOf(SENDER_KEY, end);
    if (from >= start && to > from) return text.toString('utf8', from + PAYLOAD_KEY.length, to);
  }
  return JSON.stringify(event.payload) ?? 'null';
}

/** The NewEvent bytes of a channel event (type PUBLISH, a ChannelEvent with the time in seconds). */
export function eventBytes(event: ChannelEvent, text?: Buffer, start?: number, end?: number): Uint8Array {
  return OptimizedWire.encodeNewEvent(
    T.PUBLISH,
    OptimizedWire.encodeChannelEvent({
      senderID: event.senderID,
      eventType: event.eventType,
      payload: payloadText(event, text, start, end),
      channelID: event.channelID,
      timestamp: seconds(event.timestamp),
    }),
  );
}

const utf8 = new TextEncoder();

/** The NewEvent bytes of a notice, or undefined when the original wire has no message for it. */
export function noticeBytes(notice: Notice): Uint8Array | undefined {
  switch (notice.name) {
    case 'event':
      return eventBytes(notice.payload);
    case 'new_channel':
      return OptimizedWire.encodeNewEvent(T.NEW_CHANNEL, utf8.encode(notice.payload.channelID));
    case 'remove_channel':
      return OptimizedWire.encodeNewEvent(T.REMOVE_CHANNEL, utf8.encode(notice.payload.channelID));
    case 'join_channel':
      return OptimizedWire.encodeNewEvent(T.JOIN_CHANNEL, OptimizedWire.encodeClientJoin(notice.payload));
    case 'leave_channel':
      return OptimizedWire.encodeNewEvent(T.LEAVE_CHANNEL, OptimizedWire.encodeClientLeave(notice.payload));
    case 'online_status':
      return OptimizedWire.encodeNewEvent(
        T.ONLINE_STATUS,
        OptimizedWire.encodeOnlineStatusUpdate({
          channelID: notice.payload.channelID,
          clientID: notice.payload.clientID,
          status: notice.payload.status,
          timestamp: seconds(notice.payload.timestamp),
        }),
      );
    case 'initial_online_status': {
      const clientStatus: Record<string, { status: boolean; timestamp: number }> = {};
      for (const [clientID, s] of Object.entries(notice.payload.clientStatus))
        clientStatus[clientID] = { status: s.status, timestamp: seconds(s.timestamp) };
      return OptimizedWire.encodeNewEvent(
        T.INITIAL_ONLINE_STATUS,
        OptimizedWire.encodeInitialPresenceStatus({ channelID: notice.payload.channelID, clientStatus }),
      );
    }
    default:
      // ready, channel_closed / channel_opened, refresh_required, token_expired: not in the original wire.
      return undefined;
  }
}

/** The NewEvent bytes of an ACK. */
export const ackBytes = (replyTo: number, status: boolean): Uint8Array =>
  OptimizedWire.encodeNewEvent(T.ACK, OptimizedWire.encodePublishAck({ replyTo, status }));

/** A final binary WebSocket frame (unmasked, as from a server) holding `bytes`. */
export function binaryFrame(bytes: Uint8Array): Buffer {
  const frame = allocFrame(0x82, bytes.length);
  frame.set(bytes, frame.length - bytes.length);
  return frame;
}

const framed = (bytes: Uint8Array): OptimizedFrame => ({ bytes, frame: binaryFrame(bytes) });

/** `/optimized` frames of what is fanned out: one protobuf encoding per event, not per connection. */
export const optimizedCodec: ProtocolCodec<OptimizedFrame> = {
  protocol: OPTIMIZED,
  event: (text, start, end, parse) => framed(eventBytes(parse(), text, start, end)),
  notice(notice) {
    const bytes = noticeBytes(notice);
    return bytes ? framed(bytes) : undefined;
  },
};
