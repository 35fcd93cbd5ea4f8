import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { type GatewayAppStats, type GatewayStatsReport, parseChannelRoom } from '@channels/contracts';
import { ChannelDirectory, ChannelHub, type Session } from '@channels/messaging';
import { REDIS, REDIS_KEYS, type RedisKeys } from '@channels/realtime';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { GatewayMetrics } from './gateway-metrics';

/**
 * Publishes this gateway's connection statistics to Redis every STATS_INTERVAL_MS (a
 * `GatewayStatsReport`, shape and location in libs/contracts; admin-api aggregates the fresh ones)
 * and refreshes the channelize gauges.
 *
 * The channelize gauges come in pairs, as in channelize: the connection counts as the connections'
 * sessions know them (`open_connections`, `private_connections`: connections subscribed to at least
 * one open / private channel) and the same counts read from the subscription storage fan-out uses —
 * the core's room index — (`open_connections_storage_length`,
 * `private_connections_storage_length`, and `subscribed_channels_storage_length`: channel rooms
 * with a local subscriber). On a healthy gateway each pair agrees; a gap means subscriptions left
 * behind on one side.
 */
@Injectable()
export class StatsReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  /** When the previous report counted deliveries (the rate's time base). */
  private countedAt = performance.now();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly hub: ChannelHub,
    private readonly directory: ChannelDirectory,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report().catch(() => undefined), this.config.STATS_INTERVAL_MS);
    this.timer.unref();
    void this.report().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.hdel(this.keys.gatewayStats(), this.config.GATEWAY_ID).catch(() => undefined);
  }

  async report(): Promise<void> {
    const apps: Record<string, GatewayAppStats> = {};
    let connections = 0;
    let open = 0;
    let priv = 0;
    /** Whether each distinct channel (app + channel) is private, looked up once per report. */
    const isPrivate = new Map<string, boolean>();
    const privateChannel = async (appID: string, channelID: string): Promise<boolean> => {
      const key = `${appID}\u0000${channelID}`;
      let known = isPrivate.get(key);
      if (known === undefined) {
        const c = await this.directory.channel(appID, channelID).catch(() => null);
        known = c?.private ?? false;
        isPrivate.set(key, known);
      }
      return known;
    };
    for (const d of this.hub.all()) {
      connections++;
      const a = (apps[d.appID] ??= { connections: 0, subscriptions: 0, channels: {}, eventsPerSecond: 0 });
      a.connections++;
      a.subscriptions += d.channels.size;
      let hasOpen = false;
      let hasPrivate = false;
      for (const ch of d.channels) {
        a.channels[ch] = (a.channels[ch] ?? 0) + 1;
        if (await privateChannel(d.appID, ch)) hasPrivate = true;
        else hasOpen = true;
      }
      if (hasOpen) open++;
      if (hasPrivate) priv++;
    }
    const now = performance.now();
    const seconds = Math.max(now - this.countedAt, 1) / 1000;
    this.countedAt = now;
    for (const [room, n] of this.hub.takeDeliveries()) {
      const a = apps[parseChannelRoom(room)?.appID ?? ''];
      if (a) a.eventsPerSecond += n;
    }
    for (const a of Object.values(apps))
      a.eventsPerSecond = Math.round((a.eventsPerSecond / seconds) * 100) / 100;
    const storedOpen = new Set<Session>();
    const storedPrivate = new Set<Session>();
    let storedChannels = 0;
    for (const [room, ids] of this.hub.roomMembers()) {
      const ch = parseChannelRoom(room);
      if (!ch || ids.size === 0) continue;
      storedChannels++;
      const stored = (await privateChannel(ch.appID, ch.channelID)) ? storedPrivate : storedOpen;
      for (const id of ids) stored.add(id);
    }
    this.metrics.openConnections.set(open);
    this.metrics.privateConnections.set(priv);
    this.metrics.openConnectionsStorageLength.set(storedOpen.size);
    this.metrics.privateConnectionsStorageLength.set(storedPrivate.size);
    this.metrics.subscribedChannelsStorageLength.set(storedChannels);
    const stats: GatewayStatsReport = {
      gatewayID: this.config.GATEWAY_ID,
      connections,
      updatedAt: Date.now(),
      intervalMs: this.config.STATS_INTERVAL_MS,
      startedAt: Math.round(performance.timeOrigin),
      apps,
    };
    await this.redis.hset(this.keys.gatewayStats(), this.config.GATEWAY_ID, JSON.stringify(stats));
  }
}
