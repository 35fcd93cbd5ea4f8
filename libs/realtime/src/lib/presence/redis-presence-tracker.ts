import type { RedisKeys } from '@channels/contracts';
import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import {
  DEFAULT_PRESENCE_LEASE_MS,
  DEFAULT_SNAPSHOT_PAGE,
  LeasedPresenceTracker,
  MAX_SNAPSHOT_PAGE,
} from './leased-presence-tracker';
import { throwFirstError } from './pipeline-result';
import { decodeCursor, dueKey, encodeCursor, leaseEntry } from './presence-codec';
import {
  CHANNEL_JOIN_LUA,
  CHANNEL_LEAVE_LUA,
  HEARTBEAT_LUA,
  INDEX_JOIN_LUA,
  LIVE_LEASES_LUA,
} from './presence-scripts';
import type { PresenceConnection, PresenceMember, PresencePage } from './presence-tracker.port';

export interface RedisPresenceTrackerOptions {
  /** How long a gateway's connections live after its last heartbeat (default 12 s). */
  leaseMs?: number;
}

type ScriptFn<R> = (...args: (string | number)[]) => Promise<R>;
type TrackerScripts = {
  presenceIndexJoin: ScriptFn<number>;
  presenceHeartbeat: ScriptFn<number>;
  presenceLiveLeases: ScriptFn<number[]>;
};
type ScriptedPipeline = ChainableCommander & {
  [K in 'presenceChannelJoin' | 'presenceChannelLeave']: (...args: (string | number)[]) => ScriptedPipeline;
};

/**
 * Presence tracker over Redis (see `PresenceTracker` and `LeasedPresenceTracker`; design in
 * docs/design/presence.md).
 *
 * Per channel (its hash tag): `connLeases` (connection → lease), `connClients` (connection →
 * client) and `clientConns` (client → connection count) hold the facts; `online` / `offline` the
 * announced state the snapshot reads.
 * Per gateway: a lease (expiry in one sorted set) and the set of its connection entries. A
 * heartbeat is one O(1) script whatever the number of connections and channels. `join` takes two
 * round trips (file under the live lease, then record), `leave` one pipeline in crash-safe order:
 * the fact, then the evaluation, then the lease's entry.
 */
export class RedisPresenceTracker extends LeasedPresenceTracker {
  private readonly redis: Redis & TrackerScripts;
  private readonly leaseMs: number;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    options: RedisPresenceTrackerOptions = {},
  ) {
    super();
    redis.defineCommand('presenceIndexJoin', { numberOfKeys: 2, lua: INDEX_JOIN_LUA });
    redis.defineCommand('presenceChannelJoin', { numberOfKeys: 3, lua: CHANNEL_JOIN_LUA });
    redis.defineCommand('presenceChannelLeave', { numberOfKeys: 4, lua: CHANNEL_LEAVE_LUA });
    redis.defineCommand('presenceHeartbeat', { numberOfKeys: 3, lua: HEARTBEAT_LUA });
    redis.defineCommand('presenceLiveLeases', { numberOfKeys: 1, lua: LIVE_LEASES_LUA });
    this.redis = redis as Redis & TrackerScripts;
    this.leaseMs = options.leaseMs ?? DEFAULT_PRESENCE_LEASE_MS;
  }

  async snapshotPage(
    appID: string,
    channelID: string,
    cursor?: string | null,
    limit = DEFAULT_SNAPSHOT_PAGE,
  ): Promise<PresencePage> {
    const k = this.keys;
    const size = Math.max(1, Math.min(Math.floor(limit), MAX_SNAPSHOT_PAGE));
    const clientStatus: PresencePage['clientStatus'] = {};
    let at = decodeCursor(cursor);
    let budget = size;
    if (at.part === 'online') {
      const [next, flat] = await this.redis.hscan(k.presenceOnline(appID, channelID), at.at, 'COUNT', size);
      for (let i = 0; i < flat.length; i += 2)
        clientStatus[flat[i]] = { status: true, timestamp: Number(flat[i + 1]) };
      if (next !== '0') return { clientStatus, cursor: encodeCursor({ part: 'online', at: next }) };
      budget = size - flat.length / 2;
      at = { part: 'offline', at: 0 };
      if (budget <= 0) return { clientStatus, cursor: encodeCursor(at) };
    }
    const flat = await this.redis.zrevrange(
      k.presenceOffline(appID, channelID),
      at.at,
      at.at + budget - 1,
      'WITHSCORES',
    );
    for (let i = 0; i < flat.length; i += 2) {
      clientStatus[flat[i]] ??= { status: false, timestamp: Number(flat[i + 1]) };
    }
    const more = flat.length / 2 === budget;
    return { clientStatus, cursor: more ? encodeCursor({ part: 'offline', at: at.at + budget }) : null };
  }

  async connections(appID: string, channelID: string, limit = MAX_SNAPSHOT_PAGE): Promise<PresenceMember[]> {
    const k = this.keys;
    const size = Math.max(1, Math.min(Math.floor(limit), MAX_SNAPSHOT_PAGE));
    const leaseOf = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(
        k.presenceConnLeases(appID, channelID),
        cursor,
        'COUNT',
        Math.min(size, DEFAULT_SNAPSHOT_PAGE),
      );
      for (let i = 0; i < flat.length && leaseOf.size < size; i += 2) leaseOf.set(flat[i], flat[i + 1]);
      cursor = next;
    } while (cursor !== '0' && leaseOf.size < size);
    if (leaseOf.size === 0) return [];
    const ids = [...leaseOf.keys()];
    const leases = [...new Set(leaseOf.values())];
    const [clients, live] = await Promise.all([
      this.redis.hmget(k.presenceConnClients(appID, channelID), ...ids),
      this.redis.presenceLiveLeases(k.presenceLeases(), ...leases),
    ]);
    const liveLeases = new Set(leases.filter((_, i) => live[i] === 1));
    const out: PresenceMember[] = [];
    ids.forEach((connectionID, i) => {
      const clientID = clients[i];
      // A connection recorded by a gateway that predates `connClients` has no client: left out.
      if (clientID !== null && liveLeases.has(leaseOf.get(connectionID) ?? ''))
        out.push({ connectionID, clientID });
    });
    return out;
  }

  async onlineCount(appID: string, channelID: string): Promise<number> {
    return this.redis.hlen(this.keys.presenceOnline(appID, channelID));
  }

  async forgetChannel(appID: string, channelID: string): Promise<void> {
    const k = this.keys;
    // One slot (the channel's hash tag): one command, atomic.
    await this.redis.del(
      k.presenceConnLeases(appID, channelID),
      k.presenceConnClients(appID, channelID),
      k.presenceClientConns(appID, channelID),
      k.presenceOnline(appID, channelID),
      k.presenceLeftAt(appID, channelID),
      k.presenceOffline(appID, channelID),
    );
  }

  protected async renewLease(lease: string, known: boolean): Promise<boolean> {
    const k = this.keys;
    const ok = await this.redis.presenceHeartbeat(
      k.presenceLeases(),
      k.presenceReaping(),
      k.presenceLastSeen(),
      lease,
      this.leaseMs,
      known ? '1' : '0',
    );
    return ok === 1;
  }

  protected async fileUnderLease(lease: string, c: PresenceConnection): Promise<boolean> {
    const k = this.keys;
    return (
      (await this.redis.presenceIndexJoin(
        k.presenceLeases(),
        k.presenceLeaseConns(lease),
        lease,
        leaseEntry(c),
      )) === 1
    );
  }

  protected async recordJoin(lease: string, c: PresenceConnection): Promise<void> {
    const k = this.keys;
    const p = this.redis.pipeline() as ScriptedPipeline;
    p.presenceChannelJoin(
      k.presenceConnLeases(c.appID, c.channelID),
      k.presenceClientConns(c.appID, c.channelID),
      k.presenceConnClients(c.appID, c.channelID),
      c.connectionID,
      lease,
      c.clientID,
    );
    p.zadd(k.presenceDue(), 'LT', 0, dueKey(c.appID, c.channelID, c.clientID));
    throwFirstError(await p.exec());
  }

  protected async recordLeave(lease: string, c: PresenceConnection): Promise<void> {
    const k = this.keys;
    const p = this.redis.pipeline() as ScriptedPipeline;
    p.presenceChannelLeave(
      k.presenceConnLeases(c.appID, c.channelID),
      k.presenceClientConns(c.appID, c.channelID),
      k.presenceLeftAt(c.appID, c.channelID),
      k.presenceConnClients(c.appID, c.channelID),
      c.connectionID,
      lease,
      c.clientID,
      '',
    );
    p.zadd(k.presenceDue(), 'LT', 0, dueKey(c.appID, c.channelID, c.clientID));
    p.srem(k.presenceLeaseConns(lease), leaseEntry(c));
    throwFirstError(await p.exec());
  }
}
