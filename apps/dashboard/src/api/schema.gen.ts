// Generated from the admin-api /v1 OpenAPI document by tools/openapi-types; do not edit.
// Regenerate: UPDATE_API_TYPES=1 npx jest -c jest.unit.config.ts tools/openapi-types

/** App id, 1-150 characters. */
export type AppID = string;

/** Client id, 1-100 characters, unique per app. */
export type ClientID = string;

/** Channel id, 1-100 characters of [A-Za-z0-9_-:.@$#,] with at most one #, unique per app; percent-encoded in paths. The part before the first ":" names its namespace; "prefix#a,b" is limited to clients a and b, "#a" is the personal channel of a. */
export type ChannelID = string;

/** When a stored publish is acknowledged: "queued" once it has its offset and is in Redis on its way to Postgres (an ack survives what Redis survives), "committed" once the writer committed it to Postgres (tens of milliseconds more). */
export type AckMode = 'queued' | 'committed';

export type Error = {
  error: {
    code: 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payload_too_large' | 'rate_limited' | 'channel_closed' | 'unavailable' | 'internal' | 'denied';
    message: string;
  };
};

export type Ok = {
  ok: true;
};

export type App = {
  appID: AppID;
  name: string;
  /** Ack mode of the app's channels that do not set their own. */
  ackMode: AckMode;
  /** Unix milliseconds. */
  createdAt: number;
};

export type AppWithApiSecret = {
  appID: AppID;
  name: string;
  /** Ack mode of the app's channels that do not set their own. */
  ackMode: AckMode;
  /** Unix milliseconds. */
  createdAt: number;
  /** Key of the server API (`POST /apps/{appID}/api/`): backends sign each request body with it (hex HMAC-SHA256 in `X-API-Sign`). Shown to the admins of the app only. */
  apiSecret: string;
};

export type ApiSecret = {
  /** Key of the server API (`POST /apps/{appID}/api/`): backends sign each request body with it (hex HMAC-SHA256 in `X-API-Sign`). Shown to the admins of the app only. */
  apiSecret: string;
};

export type AppCreate = {
  appID: AppID;
  name?: string;
  ackMode?: AckMode;
};

export type AppUpdate = {
  name?: string;
  ackMode?: AckMode;
};

export type AppPage = {
  apps: App[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type Client = {
  appID: AppID;
  clientID: ClientID;
  username: string;
  /** Free string, e.g. JSON. */
  extra: string;
  createdAt: number;
};

export type ClientCreate = {
  clientID: ClientID;
  username?: string;
  extra?: string;
};

export type ClientUpdate = {
  username?: string;
  extra?: string;
};

export type ClientPage = {
  clients: Client[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type ClientChannels = {
  channels: ChannelID[];
};

export type Channel = {
  appID: AppID;
  channelID: ChannelID;
  name: string;
  /** Events are stored and can be fetched later. */
  persistent: boolean;
  /** Only members may subscribe and publish. */
  private: boolean;
  /** Members' online status and join/leave are pushed. */
  presence: boolean;
  /** No publishing while closed; subscribers stay and may read. */
  isClosed: boolean;
  extra: string;
  /** The channel's own ack mode; null: the app's. */
  ackMode: AckMode | null;
  /** The ack mode its stored publishes get. */
  effectiveAckMode: AckMode;
  /** Clients may publish (admins always may). */
  clientPublish: boolean;
  /** Members added / removed are pushed to subscribers of a presence channel. */
  joinLeave: boolean;
  /** At most this many newest events are kept (0: all); null: the deployment default. */
  historySize: number | null;
  /** Events older than this many seconds are deleted (0: never); null: the deployment default. */
  historyTTLSeconds: number | null;
  /** Made on first use (autoCreate namespace, user-limited id): follows its namespace when that changes, until changed itself. */
  autoCreated: boolean;
  createdAt: number;
};

export type ChannelCreate = {
  channelID: ChannelID;
  name?: string;
  persistent?: boolean;
  private?: boolean;
  presence?: boolean;
  extra?: string;
  /** Null or absent: the app's ack mode. */
  ackMode?: AckMode | null;
  /** Clients may publish (admins always may). */
  clientPublish?: boolean;
  /** Members added / removed are pushed to subscribers of a presence channel. */
  joinLeave?: boolean;
  /** At most this many newest events are kept (0: all); null: the deployment default. */
  historySize?: number | null;
  /** Events older than this many seconds are deleted (0: never); null: the deployment default. */
  historyTTLSeconds?: number | null;
};

export type ChannelUpdate = {
  name?: string;
  extra?: string;
  persistent?: boolean;
  private?: boolean;
  presence?: boolean;
  isClosed?: boolean;
  /** null: back to the app's ack mode. */
  ackMode?: AckMode | null;
  /** Clients may publish (admins always may). */
  clientPublish?: boolean;
  /** Members added / removed are pushed to subscribers of a presence channel. */
  joinLeave?: boolean;
  /** At most this many newest events are kept (0: all); null: the deployment default. */
  historySize?: number | null;
  /** Events older than this many seconds are deleted (0: never); null: the deployment default. */
  historyTTLSeconds?: number | null;
};

export type ChannelPage = {
  channels: Channel[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type Hooks = {
  /** Asked before a client connection is admitted (any transport). */
  connect?: {
    /** Where Channels POSTs the signed JSON request. */
    url: string;
  };
  /** Asked before a client subscribes to a channel. */
  subscribe?: {
    /** Where Channels POSTs the signed JSON request. */
    url: string;
  };
  /** Asked before a client publish (socket, /optimized, HTTP); may replace the payload. */
  publish?: {
    /** Where Channels POSTs the signed JSON request. */
    url: string;
  };
  /** How long a call may take before it counts as failed (default 2000). */
  timeoutMs?: number;
  /** What a failed call (timeout, unreachable, non-200, not {allow}) answers (default "deny"). */
  onFailure?: 'deny' | 'allow';
};

export type HooksAnswer = {
  appID: AppID;
  /** null: no hooks */
  hooks: Hooks | null;
};

/** Namespace name: the part before the first ":" of its channel ids (`room` for `room:lobby`). */
export type NamespaceName = string;

export type Namespace = {
  appID: AppID;
  name: NamespaceName;
  /** Events are stored and can be fetched later. */
  persistent: boolean;
  /** Only members may subscribe and publish. */
  private: boolean;
  /** Members' online status is pushed. */
  presence: boolean;
  /** At most this many newest events are kept (0: all); null: the deployment default. */
  historySize: number | null;
  /** Events older than this many seconds are deleted (0: never); null: the deployment default. */
  historyTTLSeconds: number | null;
  /** Clients may publish (admins always may). */
  clientPublish: boolean;
  /** Members added / removed are pushed to subscribers of a presence channel. */
  joinLeave: boolean;
  /** A channel of the namespace comes into existence on first subscribe or publish, with these settings. */
  autoCreate: boolean;
  /** Hooks for the namespace's channels (subscribe, publish), replacing the app's; null: the app's. */
  hooks: Hooks | null;
  createdAt: number;
};

export type NamespaceCreate = {
  name: NamespaceName;
  /** Events are stored and can be fetched later. */
  persistent?: boolean;
  /** Only members may subscribe and publish. */
  private?: boolean;
  /** Members' online status is pushed. */
  presence?: boolean;
  /** At most this many newest events are kept (0: all); null: the deployment default. */
  historySize?: number | null;
  /** Events older than this many seconds are deleted (0: never); null: the deployment default. */
  historyTTLSeconds?: number | null;
  /** Clients may publish (admins always may). */
  clientPublish?: boolean;
  /** Members added / removed are pushed to subscribers of a presence channel. */
  joinLeave?: boolean;
  /** A channel of the namespace comes into existence on first subscribe or publish, with these settings. */
  autoCreate?: boolean;
  /** Hooks for the namespace's channels (subscribe, publish), replacing the app's; null: the app's. */
  hooks?: Hooks | null;
};

export type NamespaceUpdate = {
  /** Events are stored and can be fetched later. */
  persistent?: boolean;
  /** Only members may subscribe and publish. */
  private?: boolean;
  /** Members' online status is pushed. */
  presence?: boolean;
  /** At most this many newest events are kept (0: all); null: the deployment default. */
  historySize?: number | null;
  /** Events older than this many seconds are deleted (0: never); null: the deployment default. */
  historyTTLSeconds?: number | null;
  /** Clients may publish (admins always may). */
  clientPublish?: boolean;
  /** Members added / removed are pushed to subscribers of a presence channel. */
  joinLeave?: boolean;
  /** A channel of the namespace comes into existence on first subscribe or publish, with these settings. */
  autoCreate?: boolean;
  /** Hooks for the namespace's channels (subscribe, publish), replacing the app's; null: the app's. */
  hooks?: Hooks | null;
};

export type NamespaceList = {
  namespaces: Namespace[];
};

export type Member = {
  clientID: ClientID;
  createdAt: number;
};

export type MemberPage = {
  members: Member[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type MemberAdded = {
  /** False when the client already was a member. */
  added: boolean;
};

export type Event = {
  id: string;
  channelID: ChannelID;
  /** Per-channel, strictly increasing; present on stored events. */
  offset?: number;
  epoch?: string;
  eventType: string;
  /** Any JSON value. */
  payload: unknown;
  senderID: string;
  /** Server time, unix milliseconds. */
  timestamp: number;
};

export type Publish = {
  eventType: string;
  /** Any JSON value. */
  payload: unknown;
  /** Idempotency key: publishing the same id again within the window stores nothing new. */
  id?: string;
};

export type PublishResult = {
  id: string;
  offset?: number;
  epoch?: string;
  timestamp: number;
};

export type Broadcast = {
  channels: ChannelID[];
  eventType: string;
  /** Any JSON value. */
  payload: unknown;
  id?: string;
};

export type BroadcastResult = {
  results: {
    [key: string]: {
      id: string;
      offset?: number;
      epoch?: string;
      timestamp: number;
      ok: true;
    } | {
      ok: false;
      error: {
        code: 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payload_too_large' | 'rate_limited' | 'channel_closed' | 'unavailable' | 'internal' | 'denied';
        message: string;
      };
    };
  };
};

export type HistoryPage = {
  events: Event[];
  epoch: string;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type Presence = {
  channelID: ChannelID;
  clientStatus: {
    [key: string]: {
      status: boolean;
      timestamp: number;
    };
  };
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type ActiveChannelPage = {
  channels: Array<{
    channelID: ChannelID;
    subscribers: number;
  }>;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type AppStats = {
  appID: AppID;
  connections: number;
  subscriptions: number;
  activeChannels: number;
  gateways: Array<{
    gatewayID: string;
    connections: number;
    subscriptions: number;
    /** Channel events written to connections per second on this gateway (one per event per subscribed connection), over its last report interval. */
    eventsPerSecond: number;
    updatedAt: number;
  }>;
};

export type ClusterStats = {
  connections: number;
  subscriptions: number;
  gateways: Array<{
    gatewayID: string;
    connections: number;
    subscriptions: number;
    /** Channel events written to connections per second on this gateway (one per event per subscribed connection), over its last report interval. */
    eventsPerSecond: number;
    updatedAt: number;
  }>;
  apps: Array<{
    appID: AppID;
    connections: number;
    subscriptions: number;
    activeChannels: number;
  }>;
};

export type Unsubscribe = {
  channelID: ChannelID;
};

/** channel_occupied / channel_vacated: first subscriber on any gateway / last one gone (a dead gateway included); member_added / member_removed; client_online / client_offline: per presence channel, after the grace period (what subscribers see as online_status); event_published: every event published on a channel of the app (data: the event), queued before its publish is acknowledged. */
export type WebhookType = 'channel_occupied' | 'channel_vacated' | 'member_added' | 'member_removed' | 'client_online' | 'client_offline' | 'event_published';

export type WebhookSettings = {
  /** Where Channels POSTs each webhook (http or https). */
  url: string;
  /** The webhook types to send. */
  types: WebhookType[];
};

/** A webhook's id (its body's `id`). */
export type WebhookDeliveryID = string;

/** pending: being sent or waiting for its next attempt; delivered: answered 2xx; failed: every attempt failed (a dead letter, which can be retried). */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export type WebhookDelivery = {
  id: WebhookDeliveryID;
  appID: AppID;
  type: WebhookType;
  channelID: ChannelID | null;
  clientID: ClientID | null;
  /** Per channel (per app without a channel), increasing. */
  sequence: number;
  /** The exact JSON text sent and signed. */
  body: string;
  status: WebhookDeliveryStatus;
  attempts: Array<{
    /** Unix ms the request started. */
    at: number;
    /** The receiver's HTTP status, when it answered. */
    statusCode?: number;
    /** Why the attempt failed; absent on a 2xx. */
    error?: string;
    durationMs: number;
  }>;
  /** Unix ms of its first attempt. */
  createdAt: number;
  updatedAt: number;
};

export type WebhookDeliveryPage = {
  deliveries: WebhookDelivery[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
};

export type BatchCommand = {
  method: 'publish' | 'broadcast' | 'history' | 'presence' | 'active_channels' | 'stats' | 'disconnect' | 'unsubscribe' | 'subscribe' | 'create_channel' | 'update_channel' | 'delete_channel' | 'close_channel' | 'open_channel' | 'add_member' | 'remove_member' | 'create_client' | 'update_client' | 'delete_client';
  /** The parameters of the method (the route's path ids and body fields). */
  params?: unknown;
};

export type Batch = {
  commands: BatchCommand[];
};

export type BatchResults = {
  results: Array<{
    ok: true;
    result: unknown;
  } | {
    ok: false;
    error: {
      code: string;
      message: string;
    };
  }>;
};
