/**
 * Connection statistics as gateways publish them and admin-api reads them: Redis hash
 * `gatewayStats()` of the deployment's keys, field = gateway id, value = JSON of
 * `GatewayStatsReport`, rewritten by each gateway every `intervalMs` (its `STATS_INTERVAL_MS`).
 * A report older than `GATEWAY_STATS_MISSED_REPORTS` of its own intervals belongs to a gateway that
 * stopped (or lost Redis) and is ignored; a gateway removes its field when it shuts down.
 */
export interface GatewayStatsReport {
  gatewayID: string;
  connections: number;
  /** Unix ms of this report. */
  updatedAt: number;
  /** How often this gateway rewrites its report, in ms. */
  intervalMs: number;
  /** Unix ms the gateway started, when its report states it. */
  startedAt?: number;
  /** Per app: its connections on this gateway, their subscriptions, and subscribers per channel id. */
  apps: Record<string, GatewayAppStats>;
}

export interface GatewayAppStats {
  connections: number;
  subscriptions: number;
  channels: Record<string, number>;
  /**
   * Channel events written to the app's connections on this gateway per second (one per event per
   * subscribed connection), over the time since its previous report; 0 in reports of gateways that
   * do not count them.
   */
  eventsPerSecond: number;
}

/** Reports a gateway may miss before readers leave it out. */
export const GATEWAY_STATS_MISSED_REPORTS = 3;
/** The interval assumed for a report that does not state one (gateways before `intervalMs`). */
export const GATEWAY_STATS_DEFAULT_INTERVAL_MS = 5_000;
/** The longest interval a gateway may report at; a report stating more is read as this. */
export const GATEWAY_STATS_MAX_INTERVAL_MS = 60_000;

const nonNeg = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
/** A non-negative rate, to two decimals. */
const rate = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v * 100) / 100 : 0;

/**
 * Reads one hash value (`field` = the gateway id it was stored under). Tolerant, since the hash is
 * shared by gateways of several versions: missing or negative numbers count as zero, a missing or
 * invalid interval as `GATEWAY_STATS_DEFAULT_INTERVAL_MS` (and one above
 * `GATEWAY_STATS_MAX_INTERVAL_MS` as that); null when the value is not a JSON object.
 */
export function parseGatewayStatsReport(field: string, json: string): GatewayStatsReport | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const r = v as Partial<Record<keyof GatewayStatsReport, unknown>>;
  const apps: Record<string, GatewayAppStats> = {};
  if (r.apps && typeof r.apps === 'object') {
    for (const [appID, a] of Object.entries(r.apps as Record<string, unknown>)) {
      if (!a || typeof a !== 'object') continue;
      const app = a as Partial<Record<keyof GatewayAppStats, unknown>>;
      const channels: Record<string, number> = {};
      if (app.channels && typeof app.channels === 'object') {
        for (const [ch, n] of Object.entries(app.channels as Record<string, unknown>)) {
          if (nonNeg(n) > 0) channels[ch] = nonNeg(n);
        }
      }
      apps[appID] = {
        connections: nonNeg(app.connections),
        subscriptions: nonNeg(app.subscriptions),
        channels,
        eventsPerSecond: rate(app.eventsPerSecond),
      };
    }
  }
  return {
    gatewayID: typeof r.gatewayID === 'string' ? r.gatewayID : field,
    connections: nonNeg(r.connections),
    updatedAt: nonNeg(r.updatedAt),
    // Bounded, so that a malformed report cannot keep a stopped gateway in the statistics.
    intervalMs: Math.min(
      nonNeg(r.intervalMs) || GATEWAY_STATS_DEFAULT_INTERVAL_MS,
      GATEWAY_STATS_MAX_INTERVAL_MS,
    ),
    ...(nonNeg(r.startedAt) > 0 ? { startedAt: nonNeg(r.startedAt) } : {}),
    apps,
  };
}

/** Whether the gateway behind `report` is still reporting at `now` (unix ms). */
export function isGatewayStatsFresh(report: GatewayStatsReport, now: number): boolean {
  return now - report.updatedAt <= GATEWAY_STATS_MISSED_REPORTS * report.intervalMs;
}
