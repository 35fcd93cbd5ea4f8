import { Inject, Injectable } from '@nestjs/common';
import { REDIS, REDIS_KEYS, type RedisKeys } from '@channels/realtime';
import type Redis from 'ioredis';
import { freshReports, type GatewayReport } from './gateway-stats';

/**
 * Reads the live gateways' connection reports from Redis. A gateway that missed three of its own
 * report intervals (`STATS_INTERVAL_MS`, stated in each report) is gone.
 */
@Injectable()
export class GatewayStatsReader {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  async reports(): Promise<GatewayReport[]> {
    const raw = await this.redis.hgetall(this.keys.gatewayStats());
    return freshReports(raw, Date.now());
  }
}
