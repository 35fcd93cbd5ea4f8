import { Inject, Injectable } from '@nestjs/common';
import { REDIS, REDIS_KEYS, type RedisKeys } from '@channels/realtime';
import type Redis from 'ioredis';
import { freshReports, type GatewayReport } from './gateway-stats';

/** Gateways refresh their report every 5 s; three missed refreshes mean the gateway is gone. */
export const GATEWAY_STATS_MAX_AGE_MS = 15_000;

/** Reads the live gateways' connection reports from Redis. */
@Injectable()
export class GatewayStatsReader {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  async reports(): Promise<GatewayReport[]> {
    const raw = await this.redis.hgetall(this.keys.gatewayStats());
    return freshReports(raw, Date.now(), GATEWAY_STATS_MAX_AGE_MS);
  }
}
