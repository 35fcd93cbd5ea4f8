import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelDirectory } from '@channels/messaging';
import { REDIS, REDIS_KEYS, type RedisKeys } from '@channels/realtime';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { SocketServer } from '../socket/socket-server.service';
import { GatewayMetrics } from './gateway-metrics';

interface AppStats {
  connections: number;
  subscriptions: number;
  channels: Record<string, number>;
}

/**
 * Publishes this gateway's connection statistics to Redis every STATS_INTERVAL_MS (hash field =
 * GATEWAY_ID; admin-api aggregates fresh entries) and refreshes the channelize gauges.
 */
@Injectable()
export class StatsReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly sockets: SocketServer,
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
    const apps: Record<string, AppStats> = {};
    let connections = 0;
    let open = 0;
    let priv = 0;
    /** Whether each distinct channel (app + channel) is private, looked up once per report. */
    const isPrivate = new Map<string, boolean>();
    for (const s of this.sockets.localSockets()) {
      const d = s.data;
      if (!d?.channels) continue;
      connections++;
      const a = (apps[d.appID] ??= { connections: 0, subscriptions: 0, channels: {} });
      a.connections++;
      a.subscriptions += d.channels.size;
      let hasOpen = false;
      let hasPrivate = false;
      for (const ch of d.channels) {
        a.channels[ch] = (a.channels[ch] ?? 0) + 1;
        const key = `${d.appID}\u0000${ch}`;
        let known = isPrivate.get(key);
        if (known === undefined) {
          const c = await this.directory.channel(d.appID, ch).catch(() => null);
          known = c?.private ?? false;
          isPrivate.set(key, known);
        }
        if (known) hasPrivate = true;
        else hasOpen = true;
      }
      if (hasOpen) open++;
      if (hasPrivate) priv++;
    }
    this.metrics.openConnections.set(open);
    this.metrics.privateConnections.set(priv);
    this.metrics.subscribedChannelsStorageLength.set(isPrivate.size);
    const stats = { gatewayID: this.config.GATEWAY_ID, connections, updatedAt: Date.now(), apps };
    await this.redis.hset(this.keys.gatewayStats(), this.config.GATEWAY_ID, JSON.stringify(stats));
  }
}
