import {
  appRoom,
  type ChannelEvent,
  clientRoom,
  type Principal,
  type ServerToClientEvents,
} from '@channels/contracts';

/** A message the server sends to a connection on its own, by name (protocol §3). */
export type Notice = {
  [K in keyof ServerToClientEvents]: { name: K; payload: Parameters<ServerToClientEvents[K]>[0] };
}[keyof ServerToClientEvents];

/**
 * Why the server ends a connection:
 *  - `reconnect`: the client should come back (drain on shutdown, a lost Redis subscription that
 *    must be recovered, a slow consumer) — transports close in the way their clients retry;
 *  - `disconnect`: the server ended it for good (client or app deleted, admin disconnect, token
 *    expired or revoked) — socket.io clients do not reconnect by themselves after it;
 *  - `overflow`: a slow consumer whose unsent data passed the bound — ended at once, what is still
 *    unsent dropped (waiting for it to drain is what the bound prevents); clients resume from
 *    what they received.
 */
export type CloseReason = 'reconnect' | 'disconnect' | 'overflow';

/**
 * What the core knows of a connection's transport: its protocol (which codec encodes what it is
 * sent), sending a notice, writing a frame its protocol's codec encoded once for many connections,
 * and closing. A transport owns only bytes on a wire.
 */
export interface SessionTransport<Frame = unknown> {
  /** The protocol: the key of the codec that encodes shared frames (`socket.io`, `optimized`, `sse`). */
  readonly protocol: string;
  /** Whether frames can still be written. */
  readonly open: boolean;
  /** Sends one notice to this connection only. */
  send(notice: Notice): void;
  /** Sends a channel event to this connection only (recovery, held events). */
  sendEvent(event: ChannelEvent): void;
  /**
   * Writes a frame encoded once for every connection of the protocol. `now`: nothing else is being
   * written to this connection in this tick (no reason to wait for batching).
   */
  write(frame: Frame, now: boolean): void;
  close(reason: CloseReason): void;
  /** Bytes written but not yet sent to the client (the slow-consumer guard reads it). */
  pendingBytes(): number;
}

/**
 * A protocol's encoder of what is fanned out: each event or notice reaching many connections is
 * encoded once per protocol, and the fan-out loop only writes the frames.
 */
export interface ProtocolCodec<Frame = unknown> {
  readonly protocol: string;
  /**
   * The frame of a channel event whose canonical JSON text is `text[start, end)` (see
   * `eventJson`); `parse` returns the event parsed, computed once for every codec.
   */
  event(text: Buffer, start: number, end: number, parse: () => ChannelEvent): Frame;
  /** The frame of a notice; undefined when the protocol has no message for it. */
  notice(notice: Notice): Frame | undefined;
}

/** The per-connection token bucket of publishes (shared by a client's connections on a gateway). */
export interface PublishBucket {
  take(): boolean;
}

export interface SessionInit {
  principal: Principal;
  appID: string;
  clientID: string;
  deviceID: string;
  connectionID: string;
  publishBucket: PublishBucket;
  issuedAt?: number;
  expiresAt?: number;
  /** The token's `channels` claim: subscribed at connect. */
  channels?: string[];
}

/**
 * A connection's session, whatever its transport: identity, subscriptions, the publish limit and
 * the token's lifetime. The core reads and changes it; the transport only carries bytes.
 */
export class Session<Frame = unknown> {
  readonly principal: Principal;
  readonly appID: string;
  readonly clientID: string;
  readonly deviceID: string;
  readonly connectionID: string;
  readonly publishBucket: PublishBucket;
  /** Channel ids this connection is subscribed to. */
  readonly channels = new Set<string>();
  /** The subset that are presence channels (registered with the presence tracker). */
  readonly presenceChannels = new Set<string>();
  /** The rooms a notice's `except` list may name for this connection. */
  readonly clientRoom: string;
  readonly appRoom: string;
  /** The token's `iat` (unix seconds), checked against revocations on a control reconnect. */
  issuedAt: number | undefined;
  /** When the token expires, unix ms (undefined: it does not; `refresh` replaces it). */
  expiresAt: number | undefined;
  /** `refresh_required` was sent for the current `expiresAt`. */
  expiryNoticeSent = false;
  /** The second-bucket of the expiry wheel this connection is filed in. */
  expiryBucket: number | undefined;
  /** The token's `channels` claim: the transport subscribes them once the connection is ready. */
  readonly tokenChannels: readonly string[];
  /** Set once the connection is gone; the core ignores it from then on. */
  closed = false;

  constructor(
    init: SessionInit,
    readonly transport: SessionTransport<Frame>,
  ) {
    this.principal = init.principal;
    this.appID = init.appID;
    this.clientID = init.clientID;
    this.deviceID = init.deviceID;
    this.connectionID = init.connectionID;
    this.publishBucket = init.publishBucket;
    this.issuedAt = init.issuedAt;
    this.expiresAt = init.expiresAt;
    this.tokenChannels = init.channels ?? [];
    this.clientRoom = clientRoom(init.appID, init.clientID);
    this.appRoom = appRoom(init.appID);
  }

  get connected(): boolean {
    return !this.closed && this.transport.open;
  }

  /** Sends a notice if the connection is still there. */
  send(notice: Notice): void {
    if (this.connected) this.transport.send(notice);
  }
}
