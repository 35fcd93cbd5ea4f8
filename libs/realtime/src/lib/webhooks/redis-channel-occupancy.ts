import { randomUUID } from 'node:crypto';
import {
  channelTag,
  parseChannelTag,
  type RedisKeys,
  type WebhookType,
  webhookChainTag,
} from '@channels/contracts';
import type Redis from 'ioredis';
import type { OccupancyTracker } from './occupancy-tracker.port';
import type { WebhookDispatch } from './webhook-dispatch.port';
import type { UnsequencedWebhook } from './webhook-outbox.port';
import { CLAIM_OCCUPANTS_LUA, OCCUPANT_HEARTBEAT_LUA, OCCUPY_LUA, VACATE_LUA } from './webhook-scripts';
import type { WebhookSettingsCache } from './webhook-settings.port';

type Script<R> = (...args: (string | number)[]) => Promise<R>;
type OccupancyScripts = {
  occupancyOccupy: Script<[number, number, number]>;
  occupancyVacate: Script<[number, number, number]>;
  occupancyHeartbeat: Script<number>;
  occupancyClaim: Script<string[]>;
};

function defineScripts(redis: Redis): Redis & OccupancyScripts {
  redis.defineCommand('occupancyOccupy', { numberOfKeys: 4, lua: OCCUPY_LUA });
  redis.defineCommand('occupancyVacate', { numberOfKeys: 4, lua: VACATE_LUA });
  redis.defineCommand('occupancyHeartbeat', { numberOfKeys: 1, lua: OCCUPANT_HEARTBEAT_LUA });
  redis.defineCommand('occupancyClaim', { numberOfKeys: 1, lua: CLAIM_OCCUPANTS_LUA });
  return redis as Redis & OccupancyScripts;
}

/**
 * One occupancy step (occupy or vacate) of `occupant` in a channel, atomic with the queueing of its
 * webhook when the channel changes state and the app wants that type; a queued head is handed on.
 */
async function step(
  redis: Redis & OccupancyScripts,
  keys: RedisKeys,
  settings: WebhookSettingsCache,
  dispatch: WebhookDispatch,
  kind: 'occupy' | 'vacate',
  occupant: string,
  appID: string,
  channelID: string,
): Promise<boolean> {
  const type: WebhookType = kind === 'occupy' ? 'channel_occupied' : 'channel_vacated';
  const emit = (await settings.typesOf(appID)).has(type);
  const webhook: UnsequencedWebhook = { id: randomUUID(), appID, type, channelID, timestamp: Date.now() };
  // Indexed before the chain can hold it (see RedisWebhookOutbox).
  if (emit) await redis.zadd(keys.webhookChains(), Date.now(), webhookChainTag(appID, channelID));
  const script = kind === 'occupy' ? redis.occupancyOccupy : redis.occupancyVacate;
  const [changed, , head] = await script.call(
    redis,
    keys.occupancy(appID, channelID),
    keys.webhookSequence(appID, channelID),
    keys.webhookChain(appID, channelID),
    keys.webhookBodies(appID, channelID),
    occupant,
    emit ? '1' : '0',
    webhook.id,
    JSON.stringify(webhook),
  );
  if (Number(head) === 1) await dispatch.deliver({ appID, channelID, deliveryID: webhook.id });
  return Number(changed) === 1;
}

export interface ChannelOccupancyOptions {
  /** This gateway process; a restarted gateway is a new occupant (the old one is reaped). */
  occupant: string;
  /** How long the occupant's channels count after its last heartbeat. */
  leaseMs: number;
  /** Called with failures (logged by the caller). */
  onError?: (e: unknown, what: string) => void;
}

/**
 * The gateway side of exact occupancy (docs/design/webhooks.md): per channel one Redis set of the
 * gateways (occupants) holding local subscribers; a gateway joins the set with its first local
 * subscriber and leaves it with its last, in one script that also queues `channel_occupied` (the set
 * went from empty to one) or `channel_vacated` (to empty). Each occupant holds a lease it renews by
 * `heartbeat`; the channels of an occupant whose lease expired (a gateway killed with -9) are
 * vacated by `OccupancyReaper`. Calls of one channel run in the order they were made; a failed step
 * is retried with the next heartbeat, and a lost lease (the occupant was reaped while cut off) makes
 * the heartbeat occupy every channel it holds again.
 */
export class RedisChannelOccupancy implements OccupancyTracker {
  private readonly redis: Redis & OccupancyScripts;
  /** Channel tag → the tail of its pending steps (keeps one channel's steps in order). */
  private readonly tails = new Map<string, Promise<void>>();
  /** Channels this occupant holds, as far as it knows (what a lost lease re-occupies). */
  private readonly held = new Map<string, { appID: string; channelID: string }>();
  /** Channels whose last step failed: tag → the state to reach. */
  private readonly dirty = new Map<string, boolean>();
  private leased = false;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly settings: WebhookSettingsCache,
    private readonly dispatch: WebhookDispatch,
    private readonly options: ChannelOccupancyOptions,
  ) {
    this.redis = defineScripts(redis);
  }

  get occupant(): string {
    return this.options.occupant;
  }

  occupied(appID: string, channelID: string): Promise<void> {
    this.held.set(channelTag(appID, channelID), { appID, channelID });
    return this.enqueue(appID, channelID, true);
  }

  vacated(appID: string, channelID: string): void {
    this.held.delete(channelTag(appID, channelID));
    this.enqueue(appID, channelID, false);
  }

  /** Resolves once every step asked for so far has run (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /**
   * Renews the lease (call well within `leaseMs`); retries failed steps, and re-occupies every held
   * channel when the lease had been lost.
   */
  async heartbeat(): Promise<void> {
    const fresh = await this.redis.occupancyHeartbeat(
      this.keys.occupants(),
      this.occupant,
      this.options.leaseMs,
    );
    const wasLeased = this.leased;
    this.leased = true;
    if (fresh === 1 && wasLeased) {
      this.options.onError?.(new Error('occupancy lease was lost'), 're-occupying every held channel');
      for (const { appID, channelID } of this.held.values()) this.enqueue(appID, channelID, true);
    }
    for (const [tag, occupy] of [...this.dirty]) {
      const parsed = parseChannelTag(tag);
      if (parsed) this.enqueue(parsed.appID, parsed.channelID, occupy);
    }
  }

  /** Runs the step after the channel's earlier ones; resolves when it ran (it never rejects). */
  private enqueue(appID: string, channelID: string, occupy: boolean): Promise<void> {
    const tag = channelTag(appID, channelID);
    const previous = this.tails.get(tag) ?? Promise.resolve();
    const next = previous.then(() => this.run(tag, appID, channelID, occupy));
    this.tails.set(tag, next);
    void next.then(() => {
      if (this.tails.get(tag) === next) this.tails.delete(tag);
    });
    return next;
  }

  private async run(tag: string, appID: string, channelID: string, occupy: boolean): Promise<void> {
    try {
      if (!this.leased) await this.heartbeat();
      const index = this.keys.occupantChannels(this.occupant);
      // The occupant's index lists a channel before the channel lists the occupant, and after.
      if (occupy) await this.redis.sadd(index, tag);
      await step(
        this.redis,
        this.keys,
        this.settings,
        this.dispatch,
        occupy ? 'occupy' : 'vacate',
        this.occupant,
        appID,
        channelID,
      );
      if (!occupy) await this.redis.srem(index, tag);
      this.dirty.delete(tag);
    } catch (e) {
      this.dirty.set(tag, occupy);
      this.options.onError?.(e, `${occupy ? 'occupying' : 'vacating'} ${appID}/${channelID}`);
    }
  }
}

/** An occupant whose gateway stopped heartbeating, claimed for cleanup. */
export interface ExpiredOccupant {
  occupant: string;
}

/**
 * Vacates the channels of occupants whose lease expired (their gateway died without a goodbye),
 * queueing `channel_vacated` wherever one was the last occupant. Any number of presence replicas
 * run it: occupants are claimed for `claimMs`, and every step is idempotent.
 */
export class OccupancyReaper {
  private readonly redis: Redis & OccupancyScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly settings: WebhookSettingsCache,
    private readonly dispatch: WebhookDispatch,
  ) {
    this.redis = defineScripts(redis);
  }

  async claimExpired(limit: number, claimMs: number): Promise<string[]> {
    return this.redis.occupancyClaim(this.keys.occupants(), limit, claimMs);
  }

  /**
   * Removes the occupant from up to `batch` of its channels; answers the channels it vacated and
   * whether the occupant is gone for good (every channel done).
   */
  async reap(occupant: string, batch: number): Promise<{ vacated: string[]; done: boolean }> {
    const index = this.keys.occupantChannels(occupant);
    const tags = await this.redis.srandmember(index, batch);
    const vacated: string[] = [];
    for (const tag of tags) {
      const parsed = parseChannelTag(tag);
      if (parsed) {
        const last = await step(
          this.redis,
          this.keys,
          this.settings,
          this.dispatch,
          'vacate',
          occupant,
          parsed.appID,
          parsed.channelID,
        );
        if (last) vacated.push(tag);
      }
      await this.redis.srem(index, tag);
    }
    if (tags.length < batch && (await this.redis.scard(index)) === 0) {
      await this.redis.zrem(this.keys.occupants(), occupant);
      return { vacated, done: true };
    }
    return { vacated, done: false };
  }
}
