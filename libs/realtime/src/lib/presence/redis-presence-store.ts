import type { RedisKeys } from '@channels/contracts';
import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import { channelRoom, channelTag } from '@channels/contracts';
import { roomShardChannel } from '../broker/adapter-message';
import { throwFirstError } from './pipeline-result';
import {
  dueKey,
  gatewayOfLease,
  onlineStatusTemplate,
  parseChannelTag,
  parseDueKey,
  parseLeaseEntry,
} from './presence-codec';
import {
  CHANNEL_LEAVE_LUA,
  CLAIM_DUE_LUA,
  CLAIM_LEASES_LUA,
  COMPLETE_DUE_LUA,
  EVALUATE_LUA,
  PRUNE_CHANNELS_LUA,
  REAP_FINISH_LUA,
} from './presence-scripts';
import type {
  DueEvaluation,
  ExpiredLease,
  PresenceRules,
  PresenceStats,
  PresenceStore,
  PresenceTransition,
  ReapResult,
  SettleResult,
} from './presence-store.port';

type ScriptFn<R> = (...args: (string | number)[]) => Promise<R>;
type StoreScripts = {
  presenceClaimDue: ScriptFn<string[]>;
  presenceClaimLeases: ScriptFn<string[]>;
  presencePruneChannels: ScriptFn<number>;
};
type PipelineScripts =
  'presenceEvaluate' | 'presenceChannelLeave' | 'presenceReapFinish' | 'presenceCompleteDue';
type ScriptedPipeline = ChainableCommander & {
  [K in PipelineScripts]: (...args: (string | number)[]) => ScriptedPipeline;
};

/** Channels scanned per step when the gauges are recomputed. */
const STATS_PAGE = 500;

/**
 * The presence service's store over Redis (see `PresenceStore`). Evaluations run as one script per
 * channel (pipelined, one round trip per batch); claims and their release as one script per batch
 * on the `{presence}` tag.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: Redis & StoreScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('presenceClaimDue', { numberOfKeys: 1, lua: CLAIM_DUE_LUA });
    redis.defineCommand('presenceCompleteDue', { numberOfKeys: 1, lua: COMPLETE_DUE_LUA });
    redis.defineCommand('presenceClaimLeases', { numberOfKeys: 3, lua: CLAIM_LEASES_LUA });
    redis.defineCommand('presencePruneChannels', { numberOfKeys: 1, lua: PRUNE_CHANNELS_LUA });
    redis.defineCommand('presenceEvaluate', { numberOfKeys: 4, lua: EVALUATE_LUA });
    redis.defineCommand('presenceChannelLeave', { numberOfKeys: 4, lua: CHANNEL_LEAVE_LUA });
    redis.defineCommand('presenceReapFinish', { numberOfKeys: 3, lua: REAP_FINISH_LUA });
    this.redis = redis as Redis & StoreScripts;
  }

  async claimDue(limit: number, claimMs: number): Promise<DueEvaluation[]> {
    const [claimS, ...members] = await this.redis.presenceClaimDue(this.keys.presenceDue(), limit, claimMs);
    const claim = Number(claimS);
    const out: DueEvaluation[] = [];
    const junk: string[] = [];
    for (const key of members) {
      const ids = parseDueKey(key);
      if (ids) out.push({ ...ids, claim, key });
      else junk.push(key);
    }
    if (junk.length) await this.redis.zrem(this.keys.presenceDue(), ...junk);
    return out;
  }

  async settle(items: DueEvaluation[], rules: PresenceRules): Promise<SettleResult> {
    if (items.length === 0) return { evaluated: 0, failed: 0, transitions: [] };
    const k = this.keys;
    const p = this.redis.pipeline() as ScriptedPipeline;
    for (const it of items) {
      const [a, b, c] = onlineStatusTemplate(it.appID, it.channelID, it.clientID);
      p.presenceEvaluate(
        k.presenceClientConns(it.appID, it.channelID),
        k.presenceOnline(it.appID, it.channelID),
        k.presenceLeftAt(it.appID, it.channelID),
        k.presenceOffline(it.appID, it.channelID),
        it.clientID,
        rules.graceMs,
        rules.offlineKeep,
        rules.offlineRetentionMs,
        roomShardChannel(k.prefix, channelRoom(it.appID, it.channelID)),
        a,
        b,
        c,
      );
    }
    const results = await p.exec();
    if (!results) throw new Error('redis pipeline aborted');
    const transitions: PresenceTransition[] = [];
    const onlineChannels = new Map<string, number>();
    // An item whose evaluation failed keeps its claim: it is due again when the claim expires.
    let failed = 0;
    const byClaim = new Map<number, (string | number)[]>();
    results.forEach(([err, res], i) => {
      if (err) {
        failed++;
        return;
      }
      const it = items[i];
      const [code, at] = res as [number, string];
      const ms = Number(at);
      let next = '';
      if (code === 1 || code === 2) {
        transitions.push({
          appID: it.appID,
          channelID: it.channelID,
          clientID: it.clientID,
          status: code === 1,
          timestamp: ms,
        });
        if (code === 1) onlineChannels.set(channelTag(it.appID, it.channelID), ms);
      } else if (code === 3) {
        next = String(ms);
      }
      const args = byClaim.get(it.claim) ?? [];
      args.push(it.key, next);
      byClaim.set(it.claim, args);
    });
    const done = this.redis.pipeline() as ScriptedPipeline;
    for (const [claim, args] of byClaim) done.presenceCompleteDue(k.presenceDue(), claim, ...args);
    if (onlineChannels.size) {
      const flat: (string | number)[] = [];
      for (const [tag, ms] of onlineChannels) flat.push(ms, tag);
      done.zadd(k.presenceChannels(), ...flat);
    }
    if (byClaim.size || onlineChannels.size) throwFirstError(await done.exec());
    return { evaluated: items.length - failed, failed, transitions };
  }

  async nextDueAt(): Promise<number | null> {
    const first = await this.redis.zrangebyscore(
      this.keys.presenceDue(),
      '-inf',
      '+inf',
      'WITHSCORES',
      'LIMIT',
      0,
      1,
    );
    return first.length === 2 ? Number(first[1]) : null;
  }

  async now(): Promise<number> {
    const [s, us] = await this.redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  async claimExpiredLeases(limit: number, claimMs: number): Promise<ExpiredLease[]> {
    const k = this.keys;
    const [nowS, ...flat] = await this.redis.presenceClaimLeases(
      k.presenceLeases(),
      k.presenceReaping(),
      k.presenceLastSeen(),
      limit,
      claimMs,
    );
    const claimedAt = Number(nowS);
    const out: ExpiredLease[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const lease = flat[i];
      out.push({
        lease,
        gatewayID: gatewayOfLease(lease),
        expiredAt: flat[i + 1] === '' ? null : Number(flat[i + 1]),
        lastSeen: Number(flat[i + 2]),
        claimedAt,
      });
    }
    return out;
  }

  async reap(lease: ExpiredLease, batch: number, claimMs: number): Promise<ReapResult> {
    const k = this.keys;
    const setKey = k.presenceLeaseConns(lease.lease);
    const entries = await this.redis.srandmember(setKey, batch);
    const p = this.redis.pipeline() as ScriptedPipeline;
    let removed = 0;
    for (const entry of entries) {
      const c = parseLeaseEntry(entry);
      if (!c) continue;
      removed++;
      // Same order as a gateway's leave: the fact, then the evaluation, then the entry.
      p.presenceChannelLeave(
        k.presenceConnLeases(c.appID, c.channelID),
        k.presenceClientConns(c.appID, c.channelID),
        k.presenceLeftAt(c.appID, c.channelID),
        k.presenceConnClients(c.appID, c.channelID),
        c.connectionID,
        lease.lease,
        c.clientID,
        lease.lastSeen,
      );
      p.zadd(k.presenceDue(), 'LT', 0, dueKey(c.appID, c.channelID, c.clientID));
    }
    if (entries.length) p.srem(setKey, ...entries);
    p.presenceReapFinish(k.presenceReaping(), k.presenceLastSeen(), setKey, lease.lease, claimMs);
    const results = await p.exec();
    throwFirstError(results);
    const finished = results?.[results.length - 1]?.[1];
    return { removed, done: finished === 1 };
  }

  async stats(maxAgeMs: number): Promise<PresenceStats> {
    const k = this.keys;
    const now = await this.now();
    const cached = parseStats(await this.redis.get(k.presenceStats()));
    if (cached && now - cached.at < maxAgeMs) return cached;
    const lock = await this.redis.set(`${k.presenceStats()}:lock`, '1', 'PX', Math.max(1000, maxAgeMs), 'NX');
    if (lock !== 'OK') return cached ?? { channels: 0, online: 0, at: 0 };
    let channels = 0;
    let online = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(k.presenceChannels(), cursor, 'COUNT', STATS_PAGE);
      cursor = next;
      const tags: string[] = [];
      for (let i = 0; i < flat.length; i += 2) tags.push(flat[i]);
      const p = this.redis.pipeline();
      const parsed = tags.map((tag) => parseChannelTag(tag));
      parsed.forEach((ids) => {
        if (ids) p.hlen(k.presenceOnline(ids.appID, ids.channelID));
        else p.echo('0');
      });
      const lens = (await p.exec()) ?? [];
      const empty: string[] = [];
      lens.forEach(([err, n], i) => {
        const count = err ? 0 : Number(n);
        if (count > 0) {
          channels++;
          online += count;
        } else {
          empty.push(tags[i]);
        }
      });
      if (empty.length)
        await this.redis.presencePruneChannels(k.presenceChannels(), now - maxAgeMs, ...empty);
    } while (cursor !== '0');
    const stats: PresenceStats = { channels, online, at: now };
    await this.redis.set(k.presenceStats(), JSON.stringify(stats));
    return stats;
  }
}

function parseStats(raw: string | null): PresenceStats | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as PresenceStats;
    return typeof v.at === 'number' ? v : null;
  } catch {
    return null;
  }
}
