import type { ErrorBody } from './errors';
import type { Channel, ChannelEvent, ClientStatusMap } from './model';
import type {
  ChannelsRequest,
  HistoryRequest,
  PresenceRequest,
  PublishRequest,
  RefreshRequest,
  SubscribeRequest,
  UnsubscribeRequest,
} from './socket-payloads';

/** Every client call is answered through its acknowledgement with one of these. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (response: Ack<T>) => void;

export interface SubscribeChannelResult {
  ok: boolean;
  error?: ErrorBody;
  offset?: number;
  epoch?: string;
  recovered?: boolean;
  events?: ChannelEvent[];
}

export interface SubscribeAck {
  results: Record<string, SubscribeChannelResult>;
}
export interface PublishAck {
  id: string;
  offset?: number;
  epoch?: string;
  timestamp: number;
}
export interface HistoryAck {
  events: ChannelEvent[];
  epoch: string;
}
export interface PresenceAck {
  clientStatus: ClientStatusMap;
}
export interface ChannelsAck {
  channels: Channel[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
export interface RefreshAck {
  /** When the new token expires, unix ms (absent: it does not expire). */
  expiresAt?: number;
}

/** Client → server events. Payloads are `unknown` on arrival and validated by the schemas. */
export interface ClientToServerEvents {
  subscribe: (payload: SubscribeRequest, ack: AckFn<SubscribeAck>) => void;
  unsubscribe: (payload: UnsubscribeRequest, ack: AckFn) => void;
  publish: (payload: PublishRequest, ack?: AckFn<PublishAck>) => void;
  history: (payload: HistoryRequest, ack: AckFn<HistoryAck>) => void;
  presence: (payload: PresenceRequest, ack: AckFn<PresenceAck>) => void;
  channels: (payload: ChannelsRequest, ack: AckFn<ChannelsAck>) => void;
  refresh: (payload: RefreshRequest, ack: AckFn<RefreshAck>) => void;
}

export interface ReadyPayload {
  appID: string;
  clientID: string;
  deviceID: string;
  connectionID: string;
  /** When the connection's token expires, unix ms (absent: it does not expire). */
  expiresAt?: number;
}
export interface ChannelRef {
  channelID: string;
}
export interface MemberRef {
  channelID: string;
  clientID: string;
}
export interface OnlineStatusPayload {
  channelID: string;
  clientID: string;
  status: boolean;
  timestamp: number;
}
export interface InitialOnlineStatusPayload {
  channelID: string;
  clientStatus: ClientStatusMap;
}
/** A subscription the server made for the connection (server-side subscribe, the token's `channels`). */
export interface NewSubscriptionPayload {
  channelID: string;
  /** The position the subscription starts from (persistent channels): recover from it. */
  offset?: number;
  epoch?: string;
}
/** `refresh_required` / `token_expired`: the connection's token expires (expired) at `expiresAt`, unix ms. */
export interface TokenExpiryPayload {
  expiresAt: number;
}

/** Server → client events (protocol §3). */
export interface ServerToClientEvents {
  ready: (payload: ReadyPayload) => void;
  event: (event: ChannelEvent) => void;
  new_channel: (payload: ChannelRef) => void;
  remove_channel: (payload: ChannelRef) => void;
  channel_closed: (payload: ChannelRef) => void;
  channel_opened: (payload: ChannelRef) => void;
  join_channel: (payload: MemberRef) => void;
  leave_channel: (payload: MemberRef) => void;
  online_status: (payload: OnlineStatusPayload) => void;
  initial_online_status: (payload: InitialOnlineStatusPayload) => void;
  /** The server subscribed this connection to a channel; its events follow. */
  new_subscription: (payload: NewSubscriptionPayload) => void;
  /** The token expires soon: send `refresh` with a fresh one or the connection is closed. */
  refresh_required: (payload: TokenExpiryPayload) => void;
  /** Sent right before the server closes a connection whose token expired without a refresh. */
  token_expired: (payload: TokenExpiryPayload) => void;
}

/** Server-to-server events over the adapter (unused by clients). */
export interface InterServerEvents {
  ping: () => void;
}

export const SERVER_EVENTS = [
  'ready',
  'event',
  'new_channel',
  'remove_channel',
  'channel_closed',
  'channel_opened',
  'join_channel',
  'leave_channel',
  'online_status',
  'initial_online_status',
  'new_subscription',
  'refresh_required',
  'token_expired',
] as const satisfies readonly (keyof ServerToClientEvents)[];
