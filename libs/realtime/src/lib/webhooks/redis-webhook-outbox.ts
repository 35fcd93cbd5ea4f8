import { parseChannelTag, type RedisKeys, type WebhookBody, webhookChainTag } from '@channels/contracts';
import type Redis from 'ioredis';
import type { UnsequencedWebhook, WebhookChain, WebhookOutbox } from './webhook-outbox.port';
import { COMPLETE_LUA, PUSH_LUA, SETTLE_CHAIN_LUA } from './webhook-scripts';

type Script<R> = (...args: (string | number)[]) => Promise<R>;
type OutboxScripts = {
  webhookPush: Script<[number, number]>;
  webhookComplete: Script<string | null>;
  webhookSettleChain: Script<number>;
};

const chainOf = (w: { appID: string; channelID?: string }): WebhookChain =>
  w.channelID === undefined ? { appID: w.appID } : { appID: w.appID, channelID: w.channelID };

/**
 * `WebhookOutbox` over Redis: per chain a sequence counter, a sorted set of pending ids by sequence
 * and a hash of their bodies (one hash tag: one atomic script per step), plus one index of chains
 * by last change for the sweeper. The index is written before the chain, so a chain holding
 * entries is always indexed.
 */
export class RedisWebhookOutbox implements WebhookOutbox {
  private readonly redis: Redis & OutboxScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('webhookPush', { numberOfKeys: 3, lua: PUSH_LUA });
    redis.defineCommand('webhookComplete', { numberOfKeys: 2, lua: COMPLETE_LUA });
    redis.defineCommand('webhookSettleChain', { numberOfKeys: 1, lua: SETTLE_CHAIN_LUA });
    this.redis = redis as Redis & OutboxScripts;
  }

  async push(webhook: UnsequencedWebhook): Promise<{ sequence: number; head: boolean }> {
    const { appID, channelID } = webhook;
    await this.redis.zadd(this.keys.webhookChains(), Date.now(), webhookChainTag(appID, channelID));
    const [sequence, head] = await this.redis.webhookPush(
      this.keys.webhookSequence(appID, channelID),
      this.keys.webhookChain(appID, channelID),
      this.keys.webhookBodies(appID, channelID),
      webhook.id,
      JSON.stringify(webhook),
    );
    return { sequence: Number(sequence), head: Number(head) === 1 };
  }

  async read(chain: WebhookChain, deliveryID: string): Promise<WebhookBody | null> {
    const [[, score], [, text]] = (await this.redis
      .multi()
      .zscore(this.keys.webhookChain(chain.appID, chain.channelID), deliveryID)
      .hget(this.keys.webhookBodies(chain.appID, chain.channelID), deliveryID)
      .exec()) as [[null, string | null], [null, string | null]];
    if (score === null || text === null) return null;
    return { ...(JSON.parse(text) as UnsequencedWebhook), sequence: Number(score) };
  }

  async head(chain: WebhookChain): Promise<string | null> {
    const [id] = await this.redis.zrange(this.keys.webhookChain(chain.appID, chain.channelID), '0', '0');
    return id ?? null;
  }

  async complete(chain: WebhookChain, deliveryID: string): Promise<string | null> {
    const next = await this.redis.webhookComplete(
      this.keys.webhookChain(chain.appID, chain.channelID),
      this.keys.webhookBodies(chain.appID, chain.channelID),
      deliveryID,
    );
    return next ?? null;
  }

  async staleChains(before: number, limit: number): Promise<{ chain: WebhookChain; touchedAt: number }[]> {
    const flat = await this.redis.zrangebyscore(
      this.keys.webhookChains(),
      '-inf',
      before,
      'WITHSCORES',
      'LIMIT',
      0,
      limit,
    );
    const out: { chain: WebhookChain; touchedAt: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const parsed = parseChannelTag(flat[i]);
      if (!parsed) continue;
      out.push({
        chain: chainOf({ appID: parsed.appID, ...(parsed.channelID ? { channelID: parsed.channelID } : {}) }),
        touchedAt: Number(flat[i + 1]),
      });
    }
    return out;
  }

  async settleChain(chain: WebhookChain, touchedAt: number, now: number): Promise<boolean> {
    const empty = (await this.redis.zcard(this.keys.webhookChain(chain.appID, chain.channelID))) === 0;
    const forgotten = await this.redis.webhookSettleChain(
      this.keys.webhookChains(),
      webhookChainTag(chain.appID, chain.channelID),
      touchedAt,
      now,
      empty ? 1 : 0,
    );
    return forgotten === 1;
  }
}
