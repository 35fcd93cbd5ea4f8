import { randomUUID } from 'node:crypto';
import type { RedisKeys } from '@channels/contracts';
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ACQUIRE_SLOT_LUA } from './webhook-scripts';

export interface AppDeliveryLimits {
  /** Requests to one app's receiver in flight at once, across every webhooks replica. */
  concurrency: number;
  /** Requests started per second per app, across every webhooks replica (0: no rate limit). */
  perSecond: number;
  /** How long a slot is held at most if its holder dies mid-request (above the request timeout). */
  slotLeaseMs: number;
}

/** Either a slot to release after the request, or how long to wait before trying again. */
export type SlotAnswer = { ok: true; release: () => Promise<void> } | { ok: false; retryInMs: number };

type SlotScript = { webhookAcquireSlot: (...args: (string | number)[]) => Promise<number> };

/** Wait before looking again for a free slot (jittered, so waiting deliveries do not move together). */
const BUSY_RETRY_MS = 250;

/**
 * Per-app limits of webhook deliveries, shared through Redis by every webhooks replica: a cap on
 * requests in flight (a slow receiver holds at most `concurrency` of the workers, the rest keep
 * serving other apps) and a rate (rate-limiter-flexible). Slots are leases: a replica killed
 * mid-request frees its slots when they expire.
 */
export class AppDeliveryLimiter {
  private readonly redis: Redis & SlotScript;
  private readonly rate: RateLimiterRedis | null;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: AppDeliveryLimits,
  ) {
    redis.defineCommand('webhookAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT_LUA });
    this.redis = redis as Redis & SlotScript;
    this.rate =
      limits.perSecond > 0
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: keys.webhookRate(),
            points: limits.perSecond,
            duration: 1,
          })
        : null;
  }

  async acquire(appID: string): Promise<SlotAnswer> {
    const key = this.keys.webhookInFlight(appID);
    const token = randomUUID();
    const taken = await this.redis.webhookAcquireSlot(
      key,
      token,
      this.limits.concurrency,
      Date.now(),
      this.limits.slotLeaseMs,
    );
    if (taken !== 1) return { ok: false, retryInMs: jitter(BUSY_RETRY_MS) };
    const release = async () => void (await this.redis.zrem(key, token));
    if (this.rate) {
      try {
        await this.rate.consume(appID);
      } catch (e) {
        await release();
        if (e instanceof RateLimiterRes)
          return { ok: false, retryInMs: jitter(Math.max(e.msBeforeNext, 10)) };
        throw e;
      }
    }
    return { ok: true, release };
  }
}

const jitter = (ms: number): number => Math.round(ms * (1 + Math.random() * 0.5));
