import type { ChannelEvent } from '@channels/contracts';
import type { CloseReason, Notice, ProtocolCodec, SessionTransport } from '@channels/messaging';
import type { ChannelsSocket } from './socket-types';

/** socket.io's protocol name in the core (the codec key). */
export const SOCKET_IO = 'socket.io';

/** A socket.io packet encoded once for many connections: its text and its WebSocket frame. */
export interface SocketIoFrame {
  encoded: string[];
  opts: { preEncoded: true; wsPreEncodedFrame: Buffer[] };
  optsNow: { preEncoded: true; wsPreEncodedFrame: Buffer[]; wsWriteNow: true };
}

interface EngineInternals {
  writeBuffer?: unknown[];
  transport?: { socket?: { bufferedAmount?: number } };
}
interface SocketWithClient {
  client: { writeToEngine(encodedPackets: unknown, opts: object): void };
}

/** What precedes a channel event in its WebSocket frame: engine.io `message`, socket.io `EVENT`, the name. */
const EVENT_FRAME_OPEN = Buffer.from('42["event",');
const EVENT_FRAME_CLOSE = 0x5d; // ']'

/**
 * socket.io frames of what is fanned out, each built once: a channel event's frame is the event's
 * bytes as published between `42["event",` and `]` (no parse, no serialisation), a notice's is
 * its packet text. Connections on WebSocket get the frame as it is (see `batchWebSocketWrites`);
 * the others (long-polling) get the packet text.
 */
export const socketIoCodec: ProtocolCodec<SocketIoFrame> = {
  protocol: SOCKET_IO,
  event(text, start, end) {
    const frame = eventFrame(text, start, end);
    const payloadLength = EVENT_FRAME_OPEN.length + (end - start) + 1;
    return frameOf(frame, frame.toString('utf8', frame.length - payloadLength + 1));
  },
  notice(notice) {
    const packet = `2${JSON.stringify([notice.name, notice.payload])}`;
    return frameOf(textFrame(Buffer.from(`4${packet}`)), packet);
  },
};

function frameOf(frame: Buffer, packet: string): SocketIoFrame {
  const wsPreEncodedFrame = [frame];
  return {
    encoded: [packet],
    opts: { preEncoded: true, wsPreEncodedFrame },
    optsNow: { preEncoded: true, wsPreEncodedFrame, wsWriteNow: true },
  };
}

/** One socket.io connection as the core sees it. */
export class SocketIoTransport implements SessionTransport<SocketIoFrame> {
  readonly protocol = SOCKET_IO;

  constructor(private readonly socket: ChannelsSocket) {}

  get open(): boolean {
    return this.socket.connected;
  }

  send(notice: Notice): void {
    (this.socket.emit as (ev: string, payload: unknown) => boolean)(notice.name, notice.payload);
  }

  sendEvent(event: ChannelEvent): void {
    this.socket.emit('event', event);
  }

  write(frame: SocketIoFrame, now: boolean): void {
    (this.socket as unknown as SocketWithClient).client.writeToEngine(
      frame.encoded,
      now ? frame.optsNow : frame.opts,
    );
  }

  /**
   * `reconnect` closes the transport (the client reconnects by itself); `disconnect` and `overflow`
   * end it for good, as a server-side disconnect.
   */
  close(reason: CloseReason): void {
    if (reason === 'reconnect') this.socket.conn.close();
    else this.socket.disconnect(true);
  }

  /** Bytes written but not yet sent, and queued packets (counted at 64 bytes each). */
  pendingBytes(): number {
    const conn = this.socket.conn as unknown as EngineInternals;
    return (conn.transport?.socket?.bufferedAmount ?? 0) + (conn.writeBuffer?.length ?? 0) * 64;
  }
}

/**
 * The WebSocket frame (RFC 6455 §5.2: final, text, unmasked as from a server) of the socket.io
 * packet `42["event",<text[from, to)>]`, in one buffer.
 */
export function eventFrame(text: Buffer, from: number, to: number): Buffer {
  const length = EVENT_FRAME_OPEN.length + (to - from) + 1;
  const frame = allocFrame(0x81, length);
  const headerLength = frame.length - length;
  EVENT_FRAME_OPEN.copy(frame, headerLength);
  text.copy(frame, headerLength + EVENT_FRAME_OPEN.length, from, to);
  frame[frame.length - 1] = EVENT_FRAME_CLOSE;
  return frame;
}

/** A final text frame holding `payload`. */
function textFrame(payload: Buffer): Buffer {
  const frame = allocFrame(0x81, payload.length);
  payload.copy(frame, frame.length - payload.length);
  return frame;
}

/** A server frame (unmasked) with its header written for `length` payload bytes, payload left to fill. */
export function allocFrame(firstByte: number, length: number): Buffer {
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = firstByte;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  return frame;
}
