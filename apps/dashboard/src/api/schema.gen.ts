// Generated from the admin-api /v1 OpenAPI document by tools/openapi-types; do not edit.
// Regenerate: UPDATE_API_TYPES=1 npx jest -c jest.unit.config.ts tools/openapi-types

/** App id, 1-150 characters. */
export type AppID = string;

/** Client id, 1-100 characters, unique per app. */
export type ClientID = string;

/** Channel id, 1-100 characters of [A-Za-z0-9_-:.@], unique per app. */
export type ChannelID = string;

/** When a stored publish is acknowledged: "queued" once it has its offset and is in Redis on its way to Postgres (an ack survives what Redis survives), "committed" once the writer committed it to Postgres (tens of milliseconds more). */
export type AckMode = 'queued' | 'committed';

export type Error = {
  error: {
    code: 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payload_too_large' | 'rate_limited' | 'channel_closed' | 'unavailable' | 'internal';
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
};

export type ChannelPage = {
  channels: Channel[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
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
        code: 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payload_too_large' | 'rate_limited' | 'channel_closed' | 'unavailable' | 'internal';
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
