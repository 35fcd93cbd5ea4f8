import type { ChannelEvent } from '@channels/contracts';
import type { CloseReason, Notice, SessionTransport } from '@channels/messaging';
import type { WebSocket } from 'ws';
import { writeFrame } from '../socket/batched-writes';
import { eventBytes, noticeBytes, OPTIMIZED, type OptimizedFrame } from './optimized-codec';

/** Close codes: the server restarts or lost track (come back), or ended the connection on purpose. */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;

/**
 * One `/optimized` WebSocket as the core sees it. `closing` runs when the server closes it: the
 * connection is over for the core at once, not when the closing handshake completes — a client that
 * stopped reading never answers the close frame, queued behind what it did not read, and `ws` waits
 * 30 s for it.
 */
export class OptimizedTransport implements SessionTransport<OptimizedFrame> {
  readonly protocol = OPTIMIZED;

  constructor(
    private readonly ws: WebSocket,
    private readonly closing: () => void = () => undefined,
  ) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(notice: Notice): void {
    const bytes = noticeBytes(notice);
    if (bytes) this.sendBytes(bytes);
  }

  sendEvent(event: ChannelEvent): void {
    this.sendBytes(eventBytes(event));
  }

  sendBytes(bytes: Uint8Array): void {
    if (this.open) this.ws.send(bytes, { binary: true });
  }

  write(frame: OptimizedFrame, now: boolean): void {
    if (!writeFrame(this.ws, frame.frame, now)) this.sendBytes(frame.bytes);
  }

  close(reason: CloseReason): void {
    if (reason === 'reconnect') this.ws.close(CLOSE_GOING_AWAY, 'reconnect');
    else if (reason === 'overflow') this.ws.terminate();
    else this.ws.close(CLOSE_POLICY, 'closed by the server');
    this.closing();
  }

  pendingBytes(): number {
    return this.ws.bufferedAmount;
  }
}
