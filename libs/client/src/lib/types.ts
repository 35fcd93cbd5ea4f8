import type {
  Channel as ChannelInfo,
  ChannelEvent,
  ChannelRef,
  MemberRef,
  NewSubscriptionPayload,
  PresenceStatus,
  ReadyPayload,
} from '@channels/contracts';
import type { BackoffOptions } from './backoff';
import type { ChannelsError } from './channels-error';
import type { ListenerErrorHandler } from './emitter';
import type { GetToken } from './token-source';
import type { TransportFactory } from './transport';

export type {
  ChannelInfo,
  ChannelEvent,
  ChannelRef,
  MemberRef,
  NewSubscriptionPayload,
  PresenceStatus,
  ReadyPayload,
};

/** The client's connection: `connecting` also while it waits to retry after a lost connection. */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

/**
 * A channel's subscription: `subscribing` from `subscribe()` (or a lost connection) until the
 * server confirmed it on the current connection, with every missed event delivered.
 */
export type SubscriptionState = 'unsubscribed' | 'subscribing' | 'subscribed';

/** A position in a channel's stream: the last offset seen and the epoch it belongs to. */
export interface StreamPosition {
  /** The offset of the last event (per channel, strictly increasing, never reused). */
  offset: number;
  /** The offset sequence it belongs to (changes only if the server lost its hot stream). */
  epoch: string;
}

/** Options of {@link ChannelsClient}: where to connect, as whom, and how to behave on failures. */
export interface ChannelsClientOptions {
  /** The gateway pool's address (e.g. the front door, `http://localhost:8080`). */
  url: string;
  /** The app to connect to. */
  appID: string;
  /** A client (or admin) JWT. Give `token`, `getToken`, or both (then `token` is used first). */
  token?: string;
  /**
   * Returns a fresh token, e.g. from your backend. Called when there is no token yet, when the
   * current one expires within a few seconds, when the server asks for a refresh
   * (`refresh_required`) and after the server refused the token.
   */
  getToken?: GetToken;
  /** This device's id; without it the server assigns one, kept for later reconnections. */
  deviceID?: string;
  /** socket.io path (default `/socket.io`). */
  path?: string;
  /** socket.io transports in the order tried (default socket.io's: long-polling, then upgrade to WebSocket). */
  transports?: ('websocket' | 'polling')[];
  /** Reconnection delays (jittered exponential backoff; defaults 500 ms … 20 s). */
  reconnect?: BackoffOptions;
  /** Longest wait for one connection attempt, in ms (default 10,000). */
  connectTimeoutMs?: number;
  /**
   * Default time limit of calls other than `publish` (history, presence, channels, unsubscribe),
   * counted from the call, including any wait for a connection, in ms (default 10,000).
   */
  requestTimeoutMs?: number;
  /**
   * Most publishes waiting for their acknowledgement (also while disconnected); one more is
   * refused with `queue_full` (default 1,000).
   */
  maxQueuedPublishes?: number;
  /** Where exceptions thrown by your event listeners go (default `console.error`). */
  onListenerError?: ListenerErrorHandler;
  /** Replaces the socket.io transport (tests, other wires). */
  transport?: TransportFactory;
}

/** Why the connection ended or why an attempt failed. */
export interface DisconnectInfo {
  /** socket.io's reason (`transport close`, `ping timeout`, `io server disconnect`, …) or the refusal code. */
  reason: string;
  /** Whether the client will try again (false after `disconnect()` or a final refusal). */
  willReconnect: boolean;
  /** Delay before the next attempt, in ms, when `willReconnect`. */
  retryInMs?: number;
}

/** Events of {@link ChannelsClient}. */
export interface ClientEvents {
  /** The connection state changed. */
  state: (state: ConnectionState) => void;
  /** Connected (also after each reconnection); subscriptions are being restored. */
  connected: (info: ReadyPayload) => void;
  /** The connection ended or an attempt failed. */
  disconnected: (info: DisconnectInfo) => void;
  /**
   * A problem the application may want to show: a refused connection (`unauthorized`,
   * `too_many_connections`, `unavailable`), a failed token refresh, a failed `getToken()`.
   */
  error: (error: ChannelsError) => void;
  /** This client was added as a member of a channel. */
  new_channel: (e: ChannelRef) => void;
  /** This client was removed from a channel (or it was deleted); the server unsubscribed it. */
  remove_channel: (e: ChannelRef) => void;
  /**
   * The server subscribed this connection to a channel (a backend's server-side subscribe, the
   * token's `channels` claim). `client.channel(e.channelID)` delivers its events from now on and
   * resubscribes it after reconnections.
   */
  new_subscription: (e: NewSubscriptionPayload) => void;
}

/** A hole in a channel's stream that recovery could not fill by itself. */
export interface GapInfo {
  /** The channel with the gap. */
  channelID: string;
  /** `epoch_changed`: the server lost its hot stream; `not_recoverable`: too many missed or beyond retention. */
  reason: 'epoch_changed' | 'not_recoverable';
  /** The last position delivered before the gap. */
  from: StreamPosition;
  /** The channel's position when it was resubscribed; live events continue after it. */
  to: StreamPosition;
  /** Missed events read back from history; they are delivered right after this notice, before live events. */
  backfilled: number;
  /** Offsets in (from, to] that history could not return: these events are lost to this client. */
  lost: number;
}

/** Presence of a channel's members: clientID → its status and when it last changed. */
export type PresenceMap = ReadonlyMap<string, PresenceStatus>;

/** Events of {@link ChannelSubscription}. */
export interface ChannelEvents {
  /** An event, each once, in offset order — across reconnects and gateways. */
  event: (e: ChannelEvent) => void;
  /** The members' presence changed (also emptied when the connection is lost). */
  presence: (statuses: PresenceMap) => void;
  /** A member was added (presence channels). */
  join: (e: MemberRef) => void;
  /** A member was removed (presence channels). */
  leave: (e: MemberRef) => void;
  /** An admin closed the channel: publishing is refused until it is opened again. */
  closed: (e: ChannelRef) => void;
  /** An admin reopened the channel. */
  opened: (e: ChannelRef) => void;
  /** This client lost access to the channel (removed, deleted, made private): it is unsubscribed. */
  removed: (e: ChannelRef) => void;
  /** Recovery after a reconnection was impossible; see {@link GapInfo}. */
  gap: (e: GapInfo) => void;
  /** The subscription state changed. */
  state: (state: SubscriptionState) => void;
  /**
   * A subscription was refused: for good after a reconnection (the channel is unsubscribed; a
   * pending `subscribe()` rejects instead), or for now (`unavailable`, `internal`: retried with
   * backoff, the subscription stays `subscribing`).
   */
  error: (error: ChannelsError) => void;
}

/** What `subscribe()` resolves with. */
export interface SubscribeResult {
  /** Offset the subscription continues from (persistent channels). */
  offset?: number;
  /** Epoch of `offset`. */
  epoch?: string;
  /** Set when the subscription resumed from an earlier position: whether nothing was missed. */
  recovered?: boolean;
}

/** `publish` options. */
export interface PublishOptions {
  /**
   * Idempotency key (1–128 chars). Default: a random UUID. Publishing again with the same id within
   * the server's idempotency window (≥ 5 minutes) stores nothing new and answers the same offset.
   */
  id?: string;
  /** Give up (reject with `timeout`) if not acknowledged within this many ms. Default: no limit. */
  timeoutMs?: number;
}

/** The acknowledgement of a stored publish. */
export interface PublishResult {
  /** The event's id: the idempotency key it was published with. */
  id: string;
  /** The stored event's offset. Absent on non-persistent channels (nothing is stored). */
  offset?: number;
  /** Epoch of `offset`. */
  epoch?: string;
  /** Server time, unix ms. */
  timestamp: number;
}

/** `history` query (protocol §3). */
export interface HistoryOptions {
  /** 1–1000 (server default 100). */
  limit?: number;
  /** Unix ms, inclusive. */
  since?: number;
  /** Unix ms, inclusive. */
  until?: number;
  /** Events with an offset greater than this. */
  sinceOffset?: number;
  /** Default `asc` with a lower bound (`since`, `sinceOffset`), else `desc` (newest first). */
  order?: 'asc' | 'desc';
  /** Time limit in ms (default: the client's `requestTimeoutMs`). */
  timeoutMs?: number;
}

/** What `history` returns. */
export interface HistoryResult {
  /** Stored events, in the order asked for. */
  events: ChannelEvent[];
  /** The channel's current epoch. */
  epoch: string;
}

/** `channels` query: a page of the channels this client may use. */
export interface ChannelsQuery {
  /** Open channels of the app, or the private ones this client is a member of. */
  kind: 'open' | 'private';
  /** `nextCursor` of the previous page (omit for the first page). */
  cursor?: string;
  /** Page size, 1–1000 (default 1000). */
  limit?: number;
}

/** One page of {@link ChannelsClient.listChannels}. */
export interface ChannelsPage {
  /** The channels of this page, in channel id order. */
  channels: ChannelInfo[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}
