import { activeChannels, appStats, clusterStats, freshReports } from './gateway-stats';

const now = 1_000_000;
const report = (
  gatewayID: string,
  updatedAt: number,
  apps: Record<string, [number, number, Record<string, number>, number?]>,
  intervalMs: number | undefined = 5_000,
) =>
  JSON.stringify({
    gatewayID,
    connections: Object.values(apps).reduce((s, [c]) => s + c, 0),
    updatedAt,
    intervalMs,
    apps: Object.fromEntries(
      Object.entries(apps).map(([id, [connections, subscriptions, channels, eventsPerSecond]]) => [
        id,
        { connections, subscriptions, channels, eventsPerSecond },
      ]),
    ),
  });

const raw = {
  gw1: report('gw1', now - 1_000, { a1: [3, 4, { news: 2, chat: 2 }, 12.5], a2: [1, 1, { news: 1 }, 0.25] }),
  gw2: report('gw2', now - 14_000, { a1: [2, 2, { news: 1, sports: 1 }] }),
  gw3: report('gw3', now - 16_000, { a1: [50, 50, { stale: 50 }] }),
  broken: '{not json',
};

describe('gateway statistics', () => {
  const reports = freshReports(raw, now);

  it('ignores reports older than three of their intervals and unparsable ones', () => {
    expect(reports.map((r) => r.gatewayID)).toEqual(['gw1', 'gw2']);
  });

  it("follows each gateway's stated report interval (a slow reporter is not dropped, a fast one goes sooner)", () => {
    const fresh = freshReports(
      {
        slow: report('slow', now - 50_000, {}, 20_000),
        slowGone: report('slowGone', now - 61_000, {}, 20_000),
        fast: report('fast', now - 2_900, {}, 1_000),
        fastGone: report('fastGone', now - 3_100, {}, 1_000),
        unstated: report('unstated', now - 14_000, {}, undefined),
        unstatedGone: report('unstatedGone', now - 16_000, {}, undefined),
        // A stated interval above the gateways' maximum (60 s) counts as the maximum.
        boundedGone: report('boundedGone', now - 181_000, {}, 10 * 60_000),
      },
      now,
    );
    expect(fresh.map((r) => [r.gatewayID, r.intervalMs])).toEqual([
      ['fast', 1_000],
      ['slow', 20_000],
      ['unstated', 5_000],
    ]);
  });

  it('sums subscribers of each active channel of one app over every gateway', () => {
    expect(activeChannels(reports, 'a1')).toEqual([
      { channelID: 'chat', subscribers: 2 },
      { channelID: 'news', subscribers: 3 },
      { channelID: 'sports', subscribers: 1 },
    ]);
    expect(activeChannels(reports, 'a2')).toEqual([{ channelID: 'news', subscribers: 1 }]);
    expect(activeChannels(reports, 'nobody')).toEqual([]);
  });

  it("gives an app its own share of each gateway and nothing of other apps'", () => {
    expect(appStats(reports, 'a2')).toEqual({
      appID: 'a2',
      connections: 1,
      subscriptions: 1,
      activeChannels: 1,
      gateways: [
        { gatewayID: 'gw1', connections: 1, subscriptions: 1, eventsPerSecond: 0.25, updatedAt: now - 1_000 },
      ],
    });
  });

  it('totals every gateway and app for the cluster view', () => {
    const s = clusterStats(reports);
    expect(s.connections).toBe(6);
    expect(s.subscriptions).toBe(7);
    expect(s.gateways.map((g) => [g.gatewayID, g.connections, g.subscriptions, g.eventsPerSecond])).toEqual([
      ['gw1', 4, 5, 12.75],
      ['gw2', 2, 2, 0],
    ]);
    expect(s.apps).toEqual([
      { appID: 'a1', connections: 5, subscriptions: 6, activeChannels: 3 },
      { appID: 'a2', connections: 1, subscriptions: 1, activeChannels: 1 },
    ]);
  });

  it('keeps the start time a report states, and only a valid one', () => {
    const at = (startedAt: unknown) =>
      freshReports({ g: JSON.stringify({ gatewayID: 'g', updatedAt: now, startedAt, apps: {} }) }, now)[0]
        ?.startedAt;
    expect(at(now - 60_000)).toBe(now - 60_000);
    expect(at(undefined)).toBeUndefined();
    expect(at(-5)).toBeUndefined();
    expect(at('yesterday')).toBeUndefined();
  });

  it('treats missing or negative numbers as zero', () => {
    const r = freshReports(
      {
        g: JSON.stringify({
          gatewayID: 'g',
          connections: -4,
          updatedAt: now,
          apps: { a: { channels: { x: -1, y: 'z' }, eventsPerSecond: -3 }, b: { eventsPerSecond: 1.234 } },
        }),
      },
      now,
    );
    expect(r).toEqual([
      {
        gatewayID: 'g',
        connections: 0,
        updatedAt: now,
        intervalMs: 5_000,
        apps: {
          a: { connections: 0, subscriptions: 0, channels: {}, eventsPerSecond: 0 },
          b: { connections: 0, subscriptions: 0, channels: {}, eventsPerSecond: 1.23 },
        },
      },
    ]);
  });
});
