import type { ReadyPayload } from '@channels/contracts';

/** Calls a client makes (protocol §3, client → server). */
export type RequestName =
  'subscribe' | 'unsubscribe' | 'publish' | 'history' | 'presence' | 'channels' | 'refresh';

/** Server events other than `ready`, passed on by the transport as they arrive. */
export type ServerEventName =
  | 'event'
  | 'new_channel'
  | 'remove_channel'
  | 'channel_closed'
  | 'channel_opened'
  | 'join_channel'
  | 'leave_channel'
  | 'online_status'
  | 'initial_online_status'
  | 'new_subscription'
  | 'refresh_required'
  | 'token_expired';

/** What the SDK learns from one connection attempt. */
export interface TransportHandlers {
  /** The server accepted the connection (`ready`). */
  ready(info: ReadyPayload): void;
  /** A server event. */
  message(name: ServerEventName, payload: unknown): void;
  /**
   * The connection attempt failed: `code` is the server's refusal (`unauthorized`,
   * `too_many_connections`, `unavailable`) or a network failure's description. Final for this
   * transport: nothing follows.
   */
  connectError(code: string, message: string): void;
  /** An established connection ended (not called after the SDK's own `close()`). Final. */
  closed(reason: string): void;
}

/** One connection attempt and, when it succeeds, the connection. */
export interface Transport {
  /** Sends a call; `ack` gets the server's answer (never called if the connection ends first). */
  send(name: RequestName, payload: unknown, ack: (response: unknown) => void): void;
  /** Ends the connection or the attempt; no handler is called afterwards. */
  close(): void;
}

/** The credentials of a connection attempt. */
export interface TransportAuth {
  /** The JWT. */
  token: string;
  /** The app connected to. */
  appID: string;
  /** The device's id, when known (else the server assigns one). */
  deviceID?: string;
}

/** Where and how to connect, as given to {@link TransportFactory}. */
export interface TransportOptions {
  /** The gateway pool's address. */
  url: string;
  /** socket.io path (default `/socket.io`). */
  path?: string;
  /** socket.io transports in the order tried (default: socket.io's own, polling then upgrade). */
  transports?: ('websocket' | 'polling')[];
  /** How long one connection attempt may take, in ms. */
  connectTimeoutMs: number;
  /** The handshake's credentials (socket.io `auth`, protocol §3). */
  auth: TransportAuth;
}

/**
 * Opens a connection attempt right away and reports through `handlers`. The SDK creates one
 * transport per attempt and owns retries; a transport never reconnects by itself.
 */
export type TransportFactory = (options: TransportOptions, handlers: TransportHandlers) => Transport;
