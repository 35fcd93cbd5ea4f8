import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MetricsRegistry } from '@channels/bootstrap';
import { ErrorCode, type Principal } from '@channels/contracts';
import { REDIS, REDIS_KEYS, type RedisKeys } from '@channels/realtime';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import { ADMIN_API_CONFIG, type AdminApiConfig } from '../config';
import { RetryLaterError } from '../http/error-mapping';

type Scope = 'token' | 'app' | 'client-publish';

interface ScopeLimiter {
  scope: Scope;
  limit: number;
  /** Counts shared by every replica (Redis), bounded by the timeout. */
  shared: RLWrapperTimeouts;
  /** This replica's own counts, used while Redis does not answer. */
  local: RateLimiterMemory;
  /** The window, seconds. */
  duration: number;
}

/** How often a Redis failure of the limiter is logged at most (each one is counted in metrics). */
const STORE_FAILURE_LOG_MS = 10_000;

/**
 * admin-api's request rate limits (rate-limiter-flexible, fixed windows): per token identity and
 * per app, counted in Redis so every replica shares them. When Redis fails or does not answer
 * within `ADMIN_RATE_LIMIT_TIMEOUT_MS`, the replica counts in memory alone with the same limits
 * (so a Redis outage neither blocks every request nor lifts the limits; across N replicas a client
 * may then get up to N times its limit), logs it and counts it in
 * `channels_admin_rate_limit_store_failures_total`.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly logger = new Logger(RequestRateLimiter.name);
  private readonly token: ScopeLimiter;
  private readonly app: ScopeLimiter;
  private readonly clientPublish: ScopeLimiter;
  private readonly limited: Counter<'scope'>;
  private readonly storeFailures: Counter;
  private lastFailureLog = 0;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_KEYS) keys: RedisKeys,
    @Inject(ADMIN_API_CONFIG) private readonly config: AdminApiConfig,
    metrics: MetricsRegistry,
  ) {
    const make = (
      scope: Scope,
      limit: number,
      duration = config.ADMIN_RATE_LIMIT_WINDOW_SECONDS,
    ): ScopeLimiter => ({
      scope,
      limit,
      shared: new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: keys.rateLimit(scope),
          points: limit,
          duration,
          rejectIfRedisNotReady: true,
        }),
        timeoutMs: config.ADMIN_RATE_LIMIT_TIMEOUT_MS,
      }),
      local: new RateLimiterMemory({ points: limit, duration }),
      duration,
    });
    this.token = make('token', config.ADMIN_RATE_LIMIT_PER_TOKEN);
    this.app = make('app', config.ADMIN_RATE_LIMIT_PER_APP);
    this.clientPublish = make('client-publish', config.CLIENT_PUBLISH_RATE_PER_SEC, 1);
    const registers = [metrics.registry];
    this.limited = new Counter({
      name: 'channels_admin_rate_limited_total',
      help: 'Requests answered 429 rate_limited, by the limit they exceeded (token, app)',
      labelNames: ['scope'],
      registers,
    });
    this.storeFailures = new Counter({
      name: 'channels_admin_rate_limit_store_failures_total',
      help: 'Rate-limit counts Redis failed or was too slow to take (counted in memory instead)',
      registers,
    });
  }

  /**
   * Counts `points` requests for the principal's token and `perApp` (app → requests) for the apps
   * they address; throws 429 `rate_limited` (with the seconds to wait) when a limit is exceeded.
   */
  async consume(principal: Principal, points: number, perApp: ReadonlyMap<string, number>): Promise<void> {
    await this.take(this.token, tokenKey(principal), points);
    for (const [appID, n] of perApp) await this.take(this.app, encodeURIComponent(appID), n);
  }

  /**
   * Counts `points` requests for the app alone (the server API: signed with the app's key, no token
   * to count); throws 429 `rate_limited` when the app's limit is exceeded.
   */
  async consumeApp(appID: string, points: number): Promise<void> {
    await this.take(this.app, encodeURIComponent(appID), points);
  }

  /**
   * Counts one HTTP publish of a client (client tokens publish over HTTP under the socket's rules):
   * `CLIENT_PUBLISH_RATE_PER_SEC` per client, shared by every replica; 429 `rate_limited` beyond.
   */
  async consumeClientPublish(appID: string, clientID: string): Promise<void> {
    await this.take(this.clientPublish, `${encodeURIComponent(appID)}|${encodeURIComponent(clientID)}`, 1);
  }

  private async take(s: ScopeLimiter, key: string, points: number): Promise<void> {
    try {
      await s.shared.consume(key, points);
      return;
    } catch (e) {
      if (e instanceof RateLimiterRes) throw this.refuse(s, e);
      this.storeFailed(e);
    }
    try {
      await s.local.consume(key, points);
    } catch (e) {
      if (e instanceof RateLimiterRes) throw this.refuse(s, e);
      throw e;
    }
  }

  private refuse(s: ScopeLimiter, res: RateLimiterRes): RetryLaterError {
    this.limited.inc({ scope: s.scope });
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    const what =
      s.scope === 'token' ? 'this token' : s.scope === 'app' ? 'this app' : 'publishes of this client';
    return new RetryLaterError(
      ErrorCode.RateLimited,
      `rate limit of ${s.limit} requests per ${s.duration} s exceeded for ${what}; retry in ${retryAfter} s`,
      retryAfter,
    );
  }

  private storeFailed(e: unknown): void {
    this.storeFailures.inc();
    const now = Date.now();
    if (now - this.lastFailureLog < STORE_FAILURE_LOG_MS) return;
    this.lastFailureLog = now;
    this.logger.warn(
      `rate limits counted in memory on this replica: Redis failed (${e instanceof Error ? e.message : String(e)})`,
    );
  }
}

/** One counter per identity (role, app, client), whatever token string carries it; ids hashed. */
export function tokenKey(p: Principal): string {
  return createHash('sha256')
    .update(JSON.stringify([p.role, p.appID ?? null, p.clientID]))
    .digest('base64url');
}
