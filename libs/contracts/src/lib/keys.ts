/**
 * Redis key, pub/sub channel and socket.io room names. Every name is tenant-scoped: the app id is
 * always part of it, so two apps using the same channel id never share a key, room or stream.
 *
 * A channel's keys share one Redis Cluster hash tag (`{…}`), so the publish script touching the
 * offset counter, hot window, idempotency keys and the shard channel stays on one slot.
 * The app id is URI-encoded (it may contain `:` or `|`); channel ids cannot contain `{`, `}` or `|`.
 */
export const channelTag = (appID: string, channelID: string): string =>
  `{${encodeURIComponent(appID)}|${channelID}}`;

/**
 * The hash tag of a webhook delivery chain: the channel's tag, or for webhooks without a channel the
 * app's own (`{app|}`: no channel id is empty).
 */
export const webhookChainTag = (appID: string, channelID?: string): string =>
  channelTag(appID, channelID ?? '');

/** The socket.io room of a channel's subscribers. */
export const channelRoom = (appID: string, channelID: string): string => `ch:${channelTag(appID, channelID)}`;

/** The socket.io room holding every connection (device) of one client. */
export const clientRoom = (appID: string, clientID: string): string =>
  `cl:${encodeURIComponent(appID)}|${encodeURIComponent(clientID)}`;

/** The socket.io room holding every connection of an app. */
export const appRoom = (appID: string): string => `app:${encodeURIComponent(appID)}`;

/** Parses a tag made by `channelTag` back into its parts, or null for anything else. */
export function parseChannelTag(tag: string): { appID: string; channelID: string } | null {
  const m = /^\{([^|}]*)\|([^}]*)\}$/.exec(tag);
  if (!m) return null;
  return { appID: decodeURIComponent(m[1]), channelID: m[2] };
}

/** Parses a room made by `channelRoom` back into its parts, or null for other rooms. */
export function parseChannelRoom(room: string): { appID: string; channelID: string } | null {
  const m = /^ch:\{([^|}]*)\|([^}]*)\}$/.exec(room);
  if (!m) return null;
  return { appID: decodeURIComponent(m[1]), channelID: m[2] };
}

export interface KeyPrefix {
  /** Prepended to every key of this deployment (tests use a unique one per run). */
  readonly prefix: string;
}

/** Key builders for one deployment prefix (default `chn:`). */
export function redisKeys(prefix = 'chn:') {
  return {
    prefix,
    /**
     * Hash: offset counter `top`, `epoch`, last stored timestamp `ts` and the `durable` watermark
     * (every offset ≤ it is committed in Postgres) of the channel's stream.
     */
    streamMeta: (appID: string, channelID: string) => `${prefix}s:${channelTag(appID, channelID)}:meta`,
    /**
     * List: the hot history window (JSON events, oldest first, offsets contiguous). Never trimmed
     * above the durable watermark: it is also the outbox of events not committed yet.
     */
    streamWindow: (appID: string, channelID: string) => `${prefix}s:${channelTag(appID, channelID)}:win`,
    /** Sorted set: ranges the writer committed above the durable watermark (out-of-order commits). */
    streamCommitted: (appID: string, channelID: string) => `${prefix}s:${channelTag(appID, channelID)}:done`,
    /**
     * Set: epochs of this channel's streams dropped with the channel (deleted), kept for a week so
     * that the writer discards their events still queued instead of storing them in a channel
     * re-created under the same id.
     */
    streamDropped: (appID: string, channelID: string) => `${prefix}s:${channelTag(appID, channelID)}:dropped`,
    /**
     * Sorted set channel tag → unix ms since which the channel may hold uncommitted events (written
     * just before each stored publish; the writer's sweeper re-sends what stays uncommitted).
     */
    outboxIndex: () => `${prefix}o:pending`,
    /** Pub/sub channel: JSON [[appID, channelID, epoch, durable], …] after each commit of the writer. */
    durableChannel: () => `${prefix}o:durable`,
    /** String: idempotency id → offset of the stored event (expires after the idempotency window). */
    idempotency: (appID: string, channelID: string, id: string) =>
      `${prefix}s:${channelTag(appID, channelID)}:id:${id}`,
    /** Hash {exists, closed}: the channel gate the publish script enforces (filled from Postgres, rewritten by admin-api). */
    channelMeta: (appID: string, channelID: string) => `${prefix}c:${channelTag(appID, channelID)}`,
    /** Sorted set of presence channels with live connections (member = channel tag), for the reaper. */
    presenceChannels: () => `${prefix}p:channels`,
    /** Hash gatewayID → JSON stats, refreshed by each gateway (connection statistics). */
    gatewayStats: () => `${prefix}g:stats`,
    /** Pub/sub channel carrying control commands to every gateway. */
    controlChannel: () => `${prefix}control`,
    // Presence store (docs/design/presence.md). Per channel, under the channel's hash tag:
    /** Hash connectionID → the gateway lease holding that connection in the channel. */
    presenceConnLeases: (appID: string, channelID: string) => `${prefix}p:${channelTag(appID, channelID)}:cn`,
    /** Hash connectionID → its clientID (who each connection in the channel belongs to). */
    presenceConnClients: (appID: string, channelID: string) =>
      `${prefix}p:${channelTag(appID, channelID)}:cl`,
    /** Hash clientID → how many of its connections are in the channel. */
    presenceClientConns: (appID: string, channelID: string) =>
      `${prefix}p:${channelTag(appID, channelID)}:cc`,
    /** Hash clientID → unix ms since it is announced online (a client in its grace period included). */
    presenceOnline: (appID: string, channelID: string) => `${prefix}p:${channelTag(appID, channelID)}:on`,
    /** Hash clientID → unix ms its latest connection in the channel ended (start of the grace period). */
    presenceLeftAt: (appID: string, channelID: string) => `${prefix}p:${channelTag(appID, channelID)}:left`,
    /** Sorted set clientID → unix ms it was announced offline (recent ones only, bounded). */
    presenceOffline: (appID: string, channelID: string) => `${prefix}p:${channelTag(appID, channelID)}:off`,
    // Presence scheduling and gateway leases, all under one hash tag so their scripts stay on one slot:
    /** Sorted set `channelTag + clientID` → unix ms when that client's state must be re-evaluated. */
    presenceDue: () => `${prefix}p:{presence}:due`,
    /** Sorted set gateway lease → unix ms it expires unless the gateway heartbeats. */
    presenceLeases: () => `${prefix}p:{presence}:leases`,
    /** Sorted set expired gateway lease → unix ms until which a presence replica holds its cleanup. */
    presenceReaping: () => `${prefix}p:{presence}:reaping`,
    /** Hash gateway lease → unix ms of its last heartbeat. */
    presenceLastSeen: () => `${prefix}p:{presence}:seen`,
    /** Set of the connections (JSON [appID, channelID, clientID, connectionID]) held under a lease. */
    presenceLeaseConns: (lease: string) => `${prefix}p:{presence}:lc:${lease}`,
    /** String (JSON): cluster-wide presence gauges, refreshed by one presence replica at a time. */
    presenceStats: () => `${prefix}p:{presence}:stats`,
    // Connection caps (docs/design/realtime-core.md, "Connection caps"), all under one hash tag so
    // one script checks a client's and its app's counts against the live gateway leases:
    /** Sorted set gateway instance → unix ms its connection counts expire unless it heartbeats. */
    connectionLeases: () => `${prefix}cx:{conns}:leases`,
    /** Hash gateway instance → how many connections of the client that gateway holds. */
    clientConnections: (appID: string, clientID: string) =>
      `${prefix}cx:{conns}:c:${encodeURIComponent(appID)}|${encodeURIComponent(clientID)}`,
    /** Hash gateway instance → how many connections of the app that gateway holds. */
    appConnections: (appID: string) => `${prefix}cx:{conns}:a:${encodeURIComponent(appID)}`,
    /** Key prefix of admin-api's request rate limits (one counter per token, per app; see rate-limiter-flexible). */
    rateLimit: (scope: 'token' | 'app' | 'client-publish') => `${prefix}rl:${scope}`,
    // Webhooks (docs/design/webhooks.md). A delivery chain is a channel's webhooks, or the app's
    // own for webhooks without a channel; its keys share the channel's hash tag.
    /** Hash appID → JSON `{types}`: the webhook settings producers read (mirrored from Postgres). */
    webhookSettings: () => `${prefix}wh:{settings}`,
    /** String: the chain's last `sequence`. */
    webhookSequence: (appID: string, channelID?: string) =>
      `${prefix}wh:${webhookChainTag(appID, channelID)}:seq`,
    /** Sorted set deliveryID → sequence: the chain's deliveries not yet delivered nor given up on. */
    webhookChain: (appID: string, channelID?: string) => `${prefix}wh:${webhookChainTag(appID, channelID)}:q`,
    /** Hash deliveryID → JSON body without `sequence` (the score in `webhookChain`). */
    webhookBodies: (appID: string, channelID?: string) =>
      `${prefix}wh:${webhookChainTag(appID, channelID)}:b`,
    /** Sorted set chain tag → unix ms of its last change: chains the sweeper looks after. */
    webhookChains: () => `${prefix}wh:{chains}`,
    /** Sorted set `appID` → in-flight delivery leases (per-app concurrency cap), one per app. */
    webhookInFlight: (appID: string) => `${prefix}wh:{${encodeURIComponent(appID)}}:inflight`,
    /** Key prefix of the per-app delivery rate limits (rate-limiter-flexible). */
    webhookRate: () => `${prefix}wh:rate`,
    /** Set of the gateways (occupants) holding local subscribers of the channel. */
    occupancy: (appID: string, channelID: string) => `${prefix}wh:${channelTag(appID, channelID)}:occ`,
    /** Sorted set occupant → unix ms its occupancy expires unless its gateway heartbeats. */
    occupants: () => `${prefix}wh:{occ}:leases`,
    /** Set of the channel tags an occupant holds subscribers of (for the cleanup after its death). */
    occupantChannels: (occupant: string) => `${prefix}wh:{occ}:ch:${occupant}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
