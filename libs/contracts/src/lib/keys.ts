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

/** The socket.io room of a channel's subscribers. */
export const channelRoom = (appID: string, channelID: string): string => `ch:${channelTag(appID, channelID)}`;

/** The socket.io room holding every connection (device) of one client. */
export const clientRoom = (appID: string, clientID: string): string =>
  `cl:${encodeURIComponent(appID)}|${encodeURIComponent(clientID)}`;

/** The socket.io room holding every connection of an app. */
export const appRoom = (appID: string): string => `app:${encodeURIComponent(appID)}`;

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
    /** Hash: offset counter `top`, `epoch` of the channel's stream. */
    streamMeta: (appID: string, channelID: string) => `${prefix}s:${channelTag(appID, channelID)}:meta`,
    /** List: the hot history window (JSON events, oldest first, offsets contiguous). */
    streamWindow: (appID: string, channelID: string) => `${prefix}s:${channelTag(appID, channelID)}:win`,
    /** String: idempotency id → offset of the stored event (expires after the idempotency window). */
    idempotency: (appID: string, channelID: string, id: string) =>
      `${prefix}s:${channelTag(appID, channelID)}:id:${id}`,
    /** Hash: cached channel settings used by the publish path (exists/closed/persistent/private/presence). */
    channelMeta: (appID: string, channelID: string) => `${prefix}c:${channelTag(appID, channelID)}`,
    /** Sorted set of connections present in a channel: member `clientID|connectionID`, score = lease expiry (ms). */
    presenceConnections: (appID: string, channelID: string) => `${prefix}p:${channelTag(appID, channelID)}:conns`,
    /** Hash clientID → JSON {status, timestamp}: the announced online state of each client in a channel. */
    presenceStatus: (appID: string, channelID: string) => `${prefix}p:${channelTag(appID, channelID)}:status`,
    /** Sorted set of presence channels with live connections (member = channel tag), for the reaper. */
    presenceChannels: () => `${prefix}p:channels`,
    /** Hash gatewayID → JSON stats, refreshed by each gateway (connection statistics). */
    gatewayStats: () => `${prefix}g:stats`,
    /** Sorted set: channel tag → subscriber count per gateway hash (active channels). */
    activeChannels: (appID: string) => `${prefix}a:${encodeURIComponent(appID)}:active`,
    /** Pub/sub channel carrying control commands to every gateway. */
    controlChannel: () => `${prefix}control`,
    /** Pub/sub channel carrying presence reports from gateways to the presence service. */
    presenceReports: () => `${prefix}presence:reports`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
