import { useEffect, useState } from 'react';
import type { AppStats } from '../../api/schema.gen';

/** Samples the charts keep: 5 minutes at the default 5 s poll. */
export const MAX_SAMPLES = 60;

export interface Sample {
  /** Unix ms the sample was read. */
  at: number;
  time: string;
  connections: number;
  subscriptions: number;
  activeChannels: number;
  /** Per gateway id: its connections, subscriptions and events per second for this app. */
  gateways: Record<string, { connections: number; subscriptions: number; eventsPerSecond: number }>;
}

export function toSample(stats: AppStats, at: number): Sample {
  return {
    at,
    time: new Date(at).toLocaleTimeString(undefined, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }),
    connections: stats.connections,
    subscriptions: stats.subscriptions,
    activeChannels: stats.activeChannels,
    gateways: Object.fromEntries(
      stats.gateways.map((g) => [
        g.gatewayID,
        { connections: g.connections, subscriptions: g.subscriptions, eventsPerSecond: g.eventsPerSecond },
      ]),
    ),
  };
}

/** The statistics read so far on this page, oldest first (a rolling window of `MAX_SAMPLES`). */
export function useStatsHistory(stats: AppStats | undefined, updatedAt: number): Sample[] {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => {
    if (!stats || updatedAt === 0) return;
    setSamples((list) => [...list, toSample(stats, updatedAt)].slice(-MAX_SAMPLES));
  }, [stats, updatedAt]);
  return samples;
}

/** Rows for a per-gateway chart of `metric`: one key per gateway seen in the window (0 when absent). */
export function gatewaySeries(
  samples: Sample[],
  metric: 'connections' | 'subscriptions' | 'eventsPerSecond',
): { rows: Record<string, number | string>[]; gateways: string[] } {
  const gateways = [...new Set(samples.flatMap((s) => Object.keys(s.gateways)))].sort();
  const rows = samples.map((s) => {
    const row: Record<string, number | string> = { time: s.time };
    for (const g of gateways) row[g] = s.gateways[g]?.[metric] ?? 0;
    return row;
  });
  return { rows, gateways };
}
