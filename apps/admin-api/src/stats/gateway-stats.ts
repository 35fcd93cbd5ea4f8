import { type GatewayStatsReport, isGatewayStatsFresh, parseGatewayStatsReport } from '@channels/contracts';

/** A gateway's report (shape and Redis location: `GatewayStatsReport` in libs/contracts). */
export type GatewayReport = GatewayStatsReport;

export interface GatewaySummary {
  gatewayID: string;
  connections: number;
  subscriptions: number;
  /** Channel events written to connections per second (see `GatewayAppStats.eventsPerSecond`). */
  eventsPerSecond: number;
  updatedAt: number;
}

export interface AppStats {
  appID: string;
  connections: number;
  subscriptions: number;
  /** Channels with at least one subscriber. */
  activeChannels: number;
}

export interface ClusterStats {
  connections: number;
  subscriptions: number;
  gateways: GatewaySummary[];
  apps: AppStats[];
}

export interface AppClusterStats {
  appID: string;
  connections: number;
  subscriptions: number;
  activeChannels: number;
  gateways: GatewaySummary[];
}

export interface ActiveChannel {
  channelID: string;
  subscribers: number;
}

/**
 * Parses the hash's values, keeping the well-formed reports of gateways still reporting at `now`:
 * each report is stale after `GATEWAY_STATS_MISSED_REPORTS` of the interval its gateway states.
 */
export function freshReports(raw: Record<string, string>, now: number): GatewayReport[] {
  const out: GatewayReport[] = [];
  for (const [field, json] of Object.entries(raw)) {
    const r = parseGatewayStatsReport(field, json);
    if (r && isGatewayStatsFresh(r, now)) out.push(r);
  }
  return out.sort((a, b) => (a.gatewayID < b.gatewayID ? -1 : a.gatewayID > b.gatewayID ? 1 : 0));
}

/** Totals over every gateway and every app (super admin view). */
export function clusterStats(reports: GatewayReport[]): ClusterStats {
  const apps = new Map<string, { connections: number; subscriptions: number; channels: Set<string> }>();
  const gateways: GatewaySummary[] = reports.map((r) => {
    let subscriptions = 0;
    let eventsPerSecond = 0;
    for (const [appID, a] of Object.entries(r.apps)) {
      subscriptions += a.subscriptions;
      eventsPerSecond += a.eventsPerSecond;
      const acc = apps.get(appID) ?? { connections: 0, subscriptions: 0, channels: new Set<string>() };
      acc.connections += a.connections;
      acc.subscriptions += a.subscriptions;
      for (const ch of Object.keys(a.channels)) acc.channels.add(ch);
      apps.set(appID, acc);
    }
    return {
      gatewayID: r.gatewayID,
      connections: r.connections,
      subscriptions,
      eventsPerSecond: Math.round(eventsPerSecond * 100) / 100,
      updatedAt: r.updatedAt,
    };
  });
  return {
    connections: gateways.reduce((s, g) => s + g.connections, 0),
    subscriptions: gateways.reduce((s, g) => s + g.subscriptions, 0),
    gateways,
    apps: [...apps.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([appID, a]) => ({
        appID,
        connections: a.connections,
        subscriptions: a.subscriptions,
        activeChannels: a.channels.size,
      })),
  };
}

/** One app's totals and its share of each gateway (nothing about other apps). */
export function appStats(reports: GatewayReport[], appID: string): AppClusterStats {
  const channels = new Set<string>();
  const gateways: GatewaySummary[] = [];
  for (const r of reports) {
    const a = r.apps[appID];
    if (!a) continue;
    for (const ch of Object.keys(a.channels)) channels.add(ch);
    gateways.push({
      gatewayID: r.gatewayID,
      connections: a.connections,
      subscriptions: a.subscriptions,
      eventsPerSecond: a.eventsPerSecond,
      updatedAt: r.updatedAt,
    });
  }
  return {
    appID,
    connections: gateways.reduce((s, g) => s + g.connections, 0),
    subscriptions: gateways.reduce((s, g) => s + g.subscriptions, 0),
    activeChannels: channels.size,
    gateways,
  };
}

/** Channels of `appID` with at least one subscriber on any gateway, by channel id. */
export function activeChannels(reports: GatewayReport[], appID: string): ActiveChannel[] {
  const counts = new Map<string, number>();
  for (const r of reports) {
    for (const [ch, n] of Object.entries(r.apps[appID]?.channels ?? {}))
      counts.set(ch, (counts.get(ch) ?? 0) + n);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([channelID, subscribers]) => ({ channelID, subscribers }));
}
