import { type ChannelEvent, GATEWAY_STATS_DEFAULT_INTERVAL_MS } from '@channels/contracts';
import type { PresenceMember } from '@channels/realtime';
import type { GatewayReport } from '../stats/gateway-stats';

/**
 * The answers of the server API in the shapes Centrifugo v1 gave them (what gocent decodes:
 * `ClientInfo`, `Message`, `NodeInfo`, `Stats`), built from Channels' own data.
 */

/** senderID of the events the server API publishes without a `client` parameter. */
export const SERVER_API_SENDER = '$server';

/** One connection (`ClientInfo`): `user` is the client id, `client` the connection id. */
export interface CentrifugoClientInfo {
  user: string;
  client: string;
}

/** One history message (`Message`). */
export interface CentrifugoMessage {
  uid: string;
  /** Unix seconds, as a decimal string. */
  timestamp: string;
  info?: CentrifugoClientInfo;
  channel: string;
  data: unknown;
  client?: string;
}

/** One node (`NodeInfo`): a live gateway. */
export interface CentrifugoNode {
  uid: string;
  name: string;
  /** Unix seconds; 0 when the gateway's report does not say. */
  started_at: number;
  metrics: Record<string, number>;
}

export interface CentrifugoStats {
  nodes: CentrifugoNode[];
  /** Seconds between two reports of a node. */
  metrics_interval: number;
}

/**
 * A stored event as a history message. Channels keeps one publisher id per event (`senderID`: the
 * publishing client, or the `client` given to the server API): `client`, `info.user` and
 * `info.client` all carry it. Events the server API published without `client` have neither.
 */
export function toCentrifugoMessage(e: ChannelEvent): CentrifugoMessage {
  const fromClient = e.senderID !== SERVER_API_SENDER && e.senderID !== '';
  return {
    uid: e.id,
    timestamp: String(Math.floor(e.timestamp / 1000)),
    ...(fromClient ? { info: { user: e.senderID, client: e.senderID } } : {}),
    channel: e.channelID,
    data: e.payload,
    ...(fromClient ? { client: e.senderID } : {}),
  };
}

/** A channel's connections keyed by connection id. */
export function toCentrifugoPresence(members: PresenceMember[]): Record<string, CentrifugoClientInfo> {
  const out: Record<string, CentrifugoClientInfo> = {};
  for (const m of members) out[m.connectionID] = { user: m.clientID, client: m.connectionID };
  return out;
}

/**
 * One node per live gateway, with the app's own share of it only (nothing of other apps):
 * `node_num_clients` (the app's connections there), `node_num_subscriptions` and
 * `node_num_channels` (the app's channels with a subscriber there). `metrics_interval`: the
 * longest report interval of the gateways, in seconds.
 */
export function toCentrifugoStats(reports: GatewayReport[], appID: string): CentrifugoStats {
  const nodes = reports.map((r): CentrifugoNode => {
    const a = r.apps[appID];
    return {
      uid: r.gatewayID,
      name: r.gatewayID,
      started_at: r.startedAt !== undefined ? Math.floor(r.startedAt / 1000) : 0,
      metrics: {
        node_num_clients: a?.connections ?? 0,
        node_num_subscriptions: a?.subscriptions ?? 0,
        node_num_channels: a ? Object.keys(a.channels).length : 0,
      },
    };
  });
  const intervalMs =
    reports.reduce((m, r) => Math.max(m, r.intervalMs), 0) || GATEWAY_STATS_DEFAULT_INTERVAL_MS;
  return { nodes, metrics_interval: Math.max(1, Math.ceil(intervalMs / 1000)) };
}
