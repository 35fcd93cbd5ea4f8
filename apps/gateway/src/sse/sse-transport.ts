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
  soleChannelId?: Buffer;
}

const message = (name: string, json: string): Buffer => Buffer.from(`event: ${name}\ndata: ${json}\n\n`);

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
 */
export class SseTransport implements SessionTransport<SseFrame> {
  readonly protocol = SSE;
  private readonly index = new Map<string, number>();

  constructor(
    private readonly res: ServerResponse,
    /** The stream's channels, in the order of its `channel` parameters. */
    channels: readonly string[],
    private readonly positions: (ChannelPosition | undefined)[],
  ) {
    channels.forEach((ch, i) => {
      if (!this.index.has(ch)) this.index.set(ch, i);
    });
  }

  get open(): boolean {
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
    this.writeRaw(Buffer.from(`id: ${this.position}\n`), true);
    this.writeRaw(message(name, JSON.stringify(payload)), true);
  }

  write(frame: SseFrame, now: boolean): void {
    if (!this.open) return;
    const raw = this.res.socket as Socket | null;
    if (raw && !now) corkUntilNextTick(raw);
    if (frame.offset !== undefined && frame.channelID !== undefined && frame.epoch !== undefined) {
      const i = this.index.get(frame.channelID);
      if (i !== undefined) {
        const p = { offset: frame.offset, epoch: frame.epoch };
        this.positions[i] = p;
        // Every stream of this channel alone shares one id line for the event.
        if (this.positions.length === 1)
          this.res.write((frame.soleChannelId ??= Buffer.from(`id: ${encodePosition([p])}\n`)));
        else this.res.write(`id: ${encodePosition(this.positions)}\n`);
      }
    }
    this.res.write(frame.data);
  }

  /** A comment line: keeps an idle stream open through proxies. */
  heartbeat(): void {
    if (this.open) this.res.write(': hb\n\n');
  }

  close(reason: CloseReason): void {
    // The stream ends; a browser's EventSource reconnects by itself with its last id (and stops for
    // good when the reconnect is refused, e.g. a revoked token's 401). A slow reader's connection
    // is dropped at once with what it has not read.
    if (reason === 'overflow') this.res.destroy();
    else if (this.open) this.res.end();
  }

  pendingBytes(): number {
    return (this.res.socket?.writableLength ?? 0) + this.res.writableLength;
  }

  private writeRaw(data: Buffer, now: boolean): void {
    if (!this.open) return;
    const raw = this.res.socket as Socket | null;
    if (raw && !now) corkUntilNextTick(raw);
    this.res.write(data);
  }
}
