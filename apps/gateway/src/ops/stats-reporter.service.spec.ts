import type { MetricsRegistry } from '@channels/bootstrap';
import { channelRoom, clientRoom, parseGatewayStatsReport } from '@channels/contracts';
import type { ChannelDirectory, ChannelHub } from '@channels/messaging';
import type { RedisKeys } from '@channels/realtime';
import type Redis from 'ioredis';
import { type Gauge, Registry } from 'prom-client';
import type { GatewayConfig } from '../config';
import { GatewayMetrics } from './gateway-metrics';
import { StatsReporter } from './stats-reporter.service';

const session = (id: string, appID: string, channels: string[]) => ({
  id,
  appID,
  channels: new Set(channels),
});

describe('StatsReporter', () => {
  // Sessions: s1 and s2 in app a, s3 in app b. Channels whose id starts with `p` are private.
  const sessions = [
    session('s1', 'a', ['news', 'p1']),
    session('s2', 'a', ['news']),
    session('s3', 'b', ['pchat']),
  ];
  // The room index: what the sessions hold, the sockets' own and client rooms, and a room of an
  // open channel still holding a socket no session knows of (`gone`).
  const rooms = new Map<string, Set<string>>([
    ['s1', new Set(['s1'])],
    [clientRoom('a', 'u1'), new Set(['s1'])],
    [channelRoom('a', 'news'), new Set(['s1', 's2'])],
    [channelRoom('a', 'p1'), new Set(['s1'])],
    [channelRoom('b', 'pchat'), new Set(['s3'])],
    [channelRoom('a', 'left'), new Set(['gone'])],
    [channelRoom('a', 'empty'), new Set()],
  ]);
  const written = new Map<string, string>();
  const redis = {
    hset: jest.fn(async (_key: string, field: string, value: string) => {
      written.set(field, value);
      return 1;
    }),
  };
  const metrics = new GatewayMetrics({ registry: new Registry() } as unknown as MetricsRegistry);
  const reporter = new StatsReporter(
    { GATEWAY_ID: 'gw-t', STATS_INTERVAL_MS: 2_500 } as GatewayConfig,
    redis as unknown as Redis,
    { gatewayStats: () => 'test:gateway-stats' } as unknown as RedisKeys,
    {
      all: () => sessions.values(),
      roomMembers: () => rooms,
      // 30 events written to app a's sessions since the previous report, and 6 of a room since left.
      takeDeliveries: () =>
        new Map([
          [channelRoom('a', 'news'), 30],
          [channelRoom('a', 'gone'), 6],
          [channelRoom('x', 'other-app'), 50],
        ]),
    } as unknown as ChannelHub,
    {
      channel: async (_appID: string, channelID: string) => ({ private: channelID.startsWith('p') }),
    } as unknown as ChannelDirectory,
    metrics,
  );
  const value = async (g: Gauge) => (await g.get()).values[0]?.value;

  let startedAt = 0;
  beforeAll(async () => {
    startedAt = performance.now();
    await reporter.report();
  });

  it('sets the channelize gauges from the sessions and from the subscription storage', async () => {
    expect(await value(metrics.openConnections)).toBe(2);
    expect(await value(metrics.privateConnections)).toBe(2);
    // The storage also holds the socket no session knows of: the pair tells the gap.
    expect(await value(metrics.openConnectionsStorageLength)).toBe(3);
    expect(await value(metrics.privateConnectionsStorageLength)).toBe(2);
    expect(await value(metrics.subscribedChannelsStorageLength)).toBe(4);
    const exposed = await metrics.openConnectionsStorageLength.get();
    expect(exposed.name).toBe('open_connections_storage_length');
    expect((await metrics.privateConnectionsStorageLength.get()).name).toBe(
      'private_connections_storage_length',
    );
  });

  it('publishes a report of the contract shape, with its interval', () => {
    const raw = written.get('gw-t');
    expect(redis.hset).toHaveBeenCalledWith('test:gateway-stats', 'gw-t', raw);
    const report = parseGatewayStatsReport('gw-t', raw ?? '');
    expect(report).toEqual({
      gatewayID: 'gw-t',
      connections: 3,
      updatedAt: expect.any(Number),
      intervalMs: 2_500,
      startedAt: Math.round(performance.timeOrigin),
      apps: {
        a: {
          connections: 2,
          subscriptions: 3,
          channels: { news: 2, p1: 1 },
          eventsPerSecond: expect.any(Number),
        },
        b: { connections: 1, subscriptions: 1, channels: { pchat: 1 }, eventsPerSecond: 0 },
      },
    });
  });

  it("reports each app's deliveries per second since the reporter's previous count", () => {
    const report = parseGatewayStatsReport('gw-t', written.get('gw-t') ?? '');
    // The reporter was made just before the report: 36 deliveries over at most the time since then.
    const elapsedSeconds = (performance.now() - startedAt) / 1000 + 0.5;
    expect(report?.apps['a'].eventsPerSecond).toBeGreaterThanOrEqual(Math.floor(36 / elapsedSeconds));
  });
});
