import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ChannelEvent } from '@channels/contracts';
import type { CloseReason, Notice, ProtocolCodec, SessionTransport } from '@channels/messaging';
import { corkUntilNextTick } from '../socket/batched-writes';
import { type ChannelPosition, encodePosition } from './stream-position';

/** The SSE protocol's name in the core (the codec key). */
export const SSE = 'sse';

/** An SSE message encoded once for many streams; a stored event's id line is added per stream. */
export interface SseFrame {
  /** `event: <name>\ndata: <json>\n\n` */
  data: Buffer;
  /** For a stored channel event: where it moves its channel's position. */
  channelID?: string;
  offset?: number;
  epoch?: string;
  /** The `id:` line of a stream of this one channel, made once for all of them. */
  soleId?: Buffer;
  /** `data` as one chunk of the chunked transfer coding, made once for every stream. */
  chunk?: Buffer;
  /** The `id:` line of a stream of this one channel and `data`, as one chunk, made once. */
  soleChunk?: Buffer;
}

const message = (name: string, json: string): Buffer => Buffer.from(`event: ${name}\ndata: ${json}\n\n`);

const CRLF = Buffer.from('\r\n');

/** `parts` as one chunk of HTTP/1.1's chunked transfer coding (size line, data, CRLF). */
function chunkOf(...parts: Buffer[]): Buffer {
  const size = parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`, 'latin1'), ...parts, CRLF]);
}

function eventFrame(e: ChannelEvent, json: string): SseFrame {
  return {
    data: message('event', json),
    channelID: e.channelID,
    ...(e.offset !== undefined && e.epoch !== undefined ? { offset: e.offset, epoch: e.epoch } : {}),
  };
}

/**
 * SSE messages of what is fanned out: the event's canonical text as `data:` (as socket.io's `event`
 * carries it), notices by their socket.io names.
 */
export const sseCodec: ProtocolCodec<SseFrame> = {
  protocol: SSE,
  event: (text, start, end, parse) => eventFrame(parse(), text.toString('utf8', start, end)),
  notice: (n: Notice) => ({ data: message(n.name, JSON.stringify(n.payload)) }),
};

/**
 * One SSE stream as the core sees it. It keeps the stream's position in each of its channels and
 * gives every stored event an `id:` holding all of them (see `encodePosition`), so a reconnect with
 * `Last-Event-ID` resumes every channel.
 *
 * Once the response's headers have left (the controller writes them with `retry:`), its messages
 * are written straight to the connection, already framed — as one chunk of the chunked transfer
 * coding when the response uses it (HTTP/1.1), as they are otherwise — instead of through
 * `ServerResponse.write`, which costs per call a size line, two CRLFs, a corked write and a
 * `nextTick`. A fanned-out event is framed once for every stream of its one channel: a delivery is
 * one buffer handed to one socket, in one system call per stream and tick.
 */
export class SseTransport implements SessionTransport<SseFrame> {
  readonly protocol = SSE;
  private readonly index = new Map<string, number>();
  /** The connection, when messages are written to it directly (see the class comment). */
  private readonly socket: Socket | null;
  private readonly chunked: boolean;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    /** The stream's channels, in the order of its `channel` parameters. */
    channels: readonly string[],
    private readonly positions: (ChannelPosition | undefined)[],
  ) {
    channels.forEach((ch, i) => {
      if (!this.index.has(ch)) this.index.set(ch, i);
    });
    const socket = res.socket as Socket | null;
    // Direct writes only once the response holds nothing back: its headers went to this connection
    // (a response queued behind another one on the same connection writes through `res`).
    this.socket =
      socket && res.headersSent && res.writableLength === socket.writableLength && !res.writableEnded
        ? socket
        : null;
    this.chunked = res.chunkedEncoding;
    res.once('close', () => {
      this.ended = true;
    });
  }

  /** Plain fields on the hot path (`ended` is set by `close` and by the response's `close`). */
  get open(): boolean {
    if (this.ended) return false;
    if (this.socket) return !this.socket.destroyed;
    return !this.res.writableEnded && !this.res.destroyed;
  }

  /** The stream's current `id:` (its position in every channel). */
  get position(): string {
    return encodePosition(this.positions);
  }

  /** Moves a channel's position (the subscribe's answer). */
  setPosition(channelID: string, p: ChannelPosition): void {
    const i = this.index.get(channelID);
    if (i !== undefined) this.positions[i] = p;
  }

  send(notice: Notice): void {
    if (notice.name === 'event') this.sendEvent(notice.payload);
    else this.write({ data: message(notice.name, JSON.stringify(notice.payload)) }, true);
  }

  sendEvent(event: ChannelEvent): void {
    this.write(eventFrame(event, JSON.stringify(event)), true);
  }

  /** Sends an SSE-only message (`subscribe_error`, `recovery_failed`). */
  sendMessage(name: string, payload: unknown): void {
    this.write({ data: message(name, JSON.stringify(payload)) }, true);
  }

  /** Sends a message with this stream's current position as its id. */
  sendWithId(name: string, payload: unknown): void {
    this.writeBytes(
      Buffer.from(`id: ${this.position}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n`),
    );
  }

  write(frame: SseFrame, now: boolean): void {
    if (!this.open) return;
    if (this.socket && !now) corkUntilNextTick(this.socket);
    if (frame.offset !== undefined && frame.channelID !== undefined && frame.epoch !== undefined) {
      const i = this.index.get(frame.channelID);
      if (i !== undefined) {
        const p = { offset: frame.offset, epoch: frame.epoch };
        this.positions[i] = p;
        if (this.positions.length === 1) {
          // Every stream of this channel alone writes the same bytes for the event.
          const id = (frame.soleId ??= Buffer.from(`id: ${encodePosition([p])}\n`));
          if (this.socket && this.chunked) this.socket.write((frame.soleChunk ??= chunkOf(id, frame.data)));
          else this.writeBytes(id, frame.data);
        } else {
          this.writeBytes(Buffer.from(`id: ${encodePosition(this.positions)}\n`), frame.data);
        }
        return;
      }
    }
    if (this.socket && this.chunked) this.socket.write((frame.chunk ??= chunkOf(frame.data)));
    else this.writeBytes(frame.data);
  }

  /** A comment line: keeps an idle stream open through proxies. */
  heartbeat(): void {
    this.writeBytes(HEARTBEAT);
  }

  close(reason: CloseReason): void {
    // The stream ends; a browser's EventSource reconnects by itself with its last id (and stops for
    // good when the reconnect is refused, e.g. a revoked token's 401). A slow reader's connection
    // is dropped at once with what it has not read.
    const open = this.open;
    // Nothing is written after the end (a direct write would follow the last chunk).
    this.ended = true;
    if (reason === 'overflow') this.res.destroy();
    else if (open) this.res.end();
  }

  pendingBytes(): number {
    return (this.res.socket?.writableLength ?? 0) + this.res.writableLength;
  }

  /** Whole messages, framed for the connection (one write). */
  private writeBytes(...parts: Buffer[]): void {
    if (!this.open) return;
    const whole = () => (parts.length === 1 ? parts[0] : Buffer.concat(parts));
    if (!this.socket) this.res.write(whole());
    else this.socket.write(this.chunked ? chunkOf(...parts) : whole());
  }
}

const HEARTBEAT = Buffer.from(': hb\n\n');
