import { channelRoom, channelTag, redisKeys } from '@channels/contracts';
import { roomShardChannel } from '../broker/adapter-message';
import {
  DEFAULT_PRESENCE_LEASE_MS,
  DEFAULT_SNAPSHOT_PAGE,
  LeasedPresenceTracker,
  MAX_SNAPSHOT_PAGE,
} from './leased-presence-tracker';
import {
  decodeCursor,
  dueKey,
  encodeCursor,
  gatewayOfLease,
  leaseEntry,
  onlineStatusMessage,
  parseChannelTag,
  parseDueKey,
  parseLeaseEntry,
} from './presence-codec';
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
import type { PresenceConnection, PresenceMember, PresencePage } from './presence-tracker.port';

/** A message the store published (what SPUBLISH carries in the Redis adapter). */
export interface PublishedMessage {
  /** The shard channel (`roomShardChannel(prefix, channelRoom(...))`). */
  channel: string;
  /** The socket.io adapter broadcast (`roomBroadcastMessage` format). */
  message: string;
}

interface ChannelPresence {
  /** connectionID → lease. */
  conns: Map<string, string>;
  /** connectionID → clientID. */
  connClients: Map<string, string>;
  /** clientID → connection count. */
  clientConns: Map<string, number>;
  /** clientID → online since. */
  online: Map<string, number>;
  /** clientID → latest connection end. */
  leftAt: Map<string, number>;
  /** clientID → announced offline at. */
  offline: Map<string, number>;
  /** The offline entries vanish at this time (PEXPIRE in Redis). */
  offlineExpiresAt: number;
}

export interface InMemoryPresenceOptions {
  /** Store clock (tests pass a fake one). */
  now?: () => number;
  /** Key prefix used for shard channel names (default `chn:`). */
  keyPrefix?: string;
}

/**
 * One presence store in process memory — the in-memory counterpart of one Redis, shared by any
 * number of `InMemoryPresenceTracker`s (gateways) and `InMemoryPresenceStore`s (presence
 * replicas). It applies exactly the rules of the Redis scripts, each operation atomically.
 */
export class InMemoryPresenceState {
  readonly published: PublishedMessage[] = [];
  readonly now: () => number;
  readonly keyPrefix: string;
  readonly channels = new Map<string, ChannelPresence>();
  readonly due = new Map<string, number>();
  readonly leases = new Map<string, number>();
  readonly reaping = new Map<string, number>();
  readonly lastSeen = new Map<string, number>();
  readonly leaseConns = new Map<string, Set<string>>();
  readonly channelIndex = new Map<string, number>();
  stats: PresenceStats | null = null;
  statsLockUntil = 0;
  private readonly listeners = new Set<(m: PublishedMessage) => void>();

  constructor(options: InMemoryPresenceOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.keyPrefix = options.keyPrefix ?? redisKeys().prefix;
  }

  /** Listens to published messages; returns the unsubscribe function. */
  onPublish(listener: (m: PublishedMessage) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  publish(channel: string, message: string): void {
    const m = { channel, message };
    this.published.push(m);
    for (const l of this.listeners) l(m);
  }

  channel(appID: string, channelID: string): ChannelPresence {
    const tag = channelTag(appID, channelID);
    let ch = this.channels.get(tag);
    if (!ch) {
      ch = {
        conns: new Map(),
        connClients: new Map(),
        clientConns: new Map(),
        online: new Map(),
        leftAt: new Map(),
        offline: new Map(),
        offlineExpiresAt: Infinity,
      };
      this.channels.set(tag, ch);
    }
    if (this.now() >= ch.offlineExpiresAt) {
      ch.offline.clear();
      ch.offlineExpiresAt = Infinity;
    }
    return ch;
  }

  /** `ZADD due LT 0 member`: evaluate as soon as possible. */
  scheduleNow(appID: string, channelID: string, clientID: string): void {
    this.due.set(dueKey(appID, channelID, clientID), 0);
  }

  /** CHANNEL_LEAVE_LUA. */
  channelLeave(c: Omit<PresenceConnection, 'gatewayID'>, lease: string, endedAt: number): boolean {
    const ch = this.channel(c.appID, c.channelID);
    if (ch.conns.get(c.connectionID) !== lease) return false;
    ch.conns.delete(c.connectionID);
    ch.connClients.delete(c.connectionID);
    if (endedAt > (ch.leftAt.get(c.clientID) ?? 0)) ch.leftAt.set(c.clientID, endedAt);
    const n = (ch.clientConns.get(c.clientID) ?? 0) - 1;
    if (n <= 0) ch.clientConns.delete(c.clientID);
    else ch.clientConns.set(c.clientID, n);
    return true;
  }
}

/** Gateway-side tracker over an `InMemoryPresenceState` (one per simulated gateway process). */
export class InMemoryPresenceTracker extends LeasedPresenceTracker {
  constructor(
    private readonly state: InMemoryPresenceState,
    private readonly options: { leaseMs?: number } = {},
  ) {
    super();
  }

  async snapshotPage(
    appID: string,
    channelID: string,
    cursor?: string | null,
    limit = DEFAULT_SNAPSHOT_PAGE,
  ): Promise<PresencePage> {
    const ch = this.state.channel(appID, channelID);
    const size = Math.max(1, Math.min(Math.floor(limit), MAX_SNAPSHOT_PAGE));
    const clientStatus: PresencePage['clientStatus'] = {};
    let at = decodeCursor(cursor);
    let budget = size;
    if (at.part === 'online') {
      const ids = [...ch.online.keys()].sort();
      const from = Number(at.at);
      const page = ids.slice(from, from + size);
      for (const id of page) clientStatus[id] = { status: true, timestamp: ch.online.get(id) ?? 0 };
      if (from + size < ids.length)
        return { clientStatus, cursor: encodeCursor({ part: 'online', at: String(from + size) }) };
      budget = size - page.length;
      at = { part: 'offline', at: 0 };
      if (budget <= 0) return { clientStatus, cursor: encodeCursor(at) };
    }
    const recent = [...ch.offline.entries()].sort(
      (x, y) => y[1] - x[1] || (y[0] < x[0] ? -1 : y[0] > x[0] ? 1 : 0),
    );
    const page = recent.slice(at.at, at.at + budget);
    for (const [id, ts] of page) clientStatus[id] ??= { status: false, timestamp: ts };
    const more = page.length === budget;
    return { clientStatus, cursor: more ? encodeCursor({ part: 'offline', at: at.at + budget }) : null };
  }

  async connections(appID: string, channelID: string, limit = MAX_SNAPSHOT_PAGE): Promise<PresenceMember[]> {
    const s = this.state;
    const ch = s.channel(appID, channelID);
    const size = Math.max(1, Math.min(Math.floor(limit), MAX_SNAPSHOT_PAGE));
    const now = s.now();
    const out: PresenceMember[] = [];
    for (const [connectionID, lease] of ch.conns) {
      if (out.length >= size) break;
      const clientID = ch.connClients.get(connectionID);
      if (clientID !== undefined && (s.leases.get(lease) ?? -1) >= now) out.push({ connectionID, clientID });
    }
    return out;
  }

  async onlineCount(appID: string, channelID: string): Promise<number> {
    return this.state.channel(appID, channelID).online.size;
  }

  async forgetChannel(appID: string, channelID: string): Promise<void> {
    this.state.channels.delete(channelTag(appID, channelID));
  }

  protected async renewLease(lease: string, known: boolean): Promise<boolean> {
    const s = this.state;
    const now = s.now();
    const expiry = s.leases.get(lease);
    if (expiry !== undefined) {
      if (expiry < now) return false;
    } else if (known || s.reaping.has(lease)) {
      return false;
    }
    s.leases.set(lease, now + (this.options.leaseMs ?? DEFAULT_PRESENCE_LEASE_MS));
    s.lastSeen.set(lease, now);
    return true;
  }

  protected async fileUnderLease(lease: string, c: PresenceConnection): Promise<boolean> {
    const s = this.state;
    const expiry = s.leases.get(lease);
    if (expiry === undefined || expiry < s.now()) return false;
    let set = s.leaseConns.get(lease);
    if (!set) s.leaseConns.set(lease, (set = new Set()));
    set.add(leaseEntry(c));
    return true;
  }

  protected async recordJoin(lease: string, c: PresenceConnection): Promise<void> {
    const ch = this.state.channel(c.appID, c.channelID);
    const prev = ch.conns.get(c.connectionID);
    if (prev !== lease) {
      ch.conns.set(c.connectionID, lease);
      ch.connClients.set(c.connectionID, c.clientID);
      if (prev === undefined) ch.clientConns.set(c.clientID, (ch.clientConns.get(c.clientID) ?? 0) + 1);
    }
    this.state.scheduleNow(c.appID, c.channelID, c.clientID);
  }

  protected async recordLeave(lease: string, c: PresenceConnection): Promise<void> {
    const s = this.state;
    s.channelLeave(c, lease, s.now());
    s.scheduleNow(c.appID, c.channelID, c.clientID);
    const set = s.leaseConns.get(lease);
    set?.delete(leaseEntry(c));
    if (set?.size === 0) s.leaseConns.delete(lease);
  }
}

/** Presence-service side over an `InMemoryPresenceState` (one per simulated replica). */
export class InMemoryPresenceStore implements PresenceStore {
  constructor(private readonly state: InMemoryPresenceState) {}

  async claimDue(limit: number, claimMs: number): Promise<DueEvaluation[]> {
    const s = this.state;
    const now = s.now();
    const claim = now + claimMs;
    const ready = [...s.due.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit);
    const out: DueEvaluation[] = [];
    for (const [key] of ready) {
      s.due.set(key, claim);
      const ids = parseDueKey(key);
      if (ids) out.push({ ...ids, claim, key });
      else s.due.delete(key);
    }
    return out;
  }

  async settle(items: DueEvaluation[], rules: PresenceRules): Promise<SettleResult> {
    const s = this.state;
    const transitions: PresenceTransition[] = [];
    for (const it of items) {
      const { code, at } = this.evaluate(it, rules);
      if (code === 1 || code === 2) {
        transitions.push({
          appID: it.appID,
          channelID: it.channelID,
          clientID: it.clientID,
          status: code === 1,
          timestamp: at,
        });
        if (code === 1) s.channelIndex.set(channelTag(it.appID, it.channelID), at);
      }
      const next = code === 3 ? at : null;
      const current = s.due.get(it.key);
      if (current === it.claim) {
        if (next === null) s.due.delete(it.key);
        else s.due.set(it.key, next);
      } else if (next !== null && (current === undefined || next < current)) {
        s.due.set(it.key, next);
      }
    }
    return { evaluated: items.length, failed: 0, transitions };
  }

  async nextDueAt(): Promise<number | null> {
    let min: number | null = null;
    for (const at of this.state.due.values()) if (min === null || at < min) min = at;
    return min;
  }

  async now(): Promise<number> {
    return this.state.now();
  }

  async claimExpiredLeases(limit: number, claimMs: number): Promise<ExpiredLease[]> {
    const s = this.state;
    const now = s.now();
    const claim = now + claimMs;
    const out: ExpiredLease[] = [];
    for (const [lease, until] of [...s.reaping.entries()].sort((a, b) => a[1] - b[1])) {
      if (out.length >= limit || until > now) break;
      s.reaping.set(lease, claim);
      out.push({
        lease,
        gatewayID: gatewayOfLease(lease),
        expiredAt: null,
        lastSeen: s.lastSeen.get(lease) ?? now,
        claimedAt: now,
      });
    }
    for (const [lease, expiry] of [...s.leases.entries()].sort((a, b) => a[1] - b[1])) {
      if (out.length >= limit || expiry >= now) break;
      s.leases.delete(lease);
      s.reaping.set(lease, claim);
      out.push({
        lease,
        gatewayID: gatewayOfLease(lease),
        expiredAt: expiry,
        lastSeen: s.lastSeen.get(lease) ?? expiry,
        claimedAt: now,
      });
    }
    return out;
  }

  async reap(lease: ExpiredLease, batch: number, claimMs: number): Promise<ReapResult> {
    const s = this.state;
    const set = s.leaseConns.get(lease.lease);
    const entries = set ? [...set].slice(0, batch) : [];
    let removed = 0;
    for (const entry of entries) {
      set?.delete(entry);
      const c = parseLeaseEntry(entry);
      if (!c) continue;
      removed++;
      s.channelLeave(c, lease.lease, lease.lastSeen);
      s.scheduleNow(c.appID, c.channelID, c.clientID);
    }
    if (set?.size === 0) s.leaseConns.delete(lease.lease);
    if (s.leaseConns.has(lease.lease)) {
      const until = s.reaping.get(lease.lease);
      if (until !== undefined) s.reaping.set(lease.lease, Math.max(until, s.now() + claimMs));
      return { removed, done: false };
    }
    s.reaping.delete(lease.lease);
    s.lastSeen.delete(lease.lease);
    return { removed, done: true };
  }

  async stats(maxAgeMs: number): Promise<PresenceStats> {
    const s = this.state;
    const now = s.now();
    if (s.stats && now - s.stats.at < maxAgeMs) return s.stats;
    if (s.statsLockUntil > now) return s.stats ?? { channels: 0, online: 0, at: 0 };
    s.statsLockUntil = now + Math.max(1000, maxAgeMs);
    let channels = 0;
    let online = 0;
    for (const [tag, last] of [...s.channelIndex]) {
      const ids = parseChannelTag(tag);
      const n = ids ? s.channel(ids.appID, ids.channelID).online.size : 0;
      if (n > 0) {
        channels++;
        online += n;
      } else if (last < now - maxAgeMs) {
        s.channelIndex.delete(tag);
      }
    }
    s.stats = { channels, online, at: now };
    return s.stats;
  }

  /** EVALUATE_LUA. */
  private evaluate(it: DueEvaluation, rules: PresenceRules): { code: 0 | 1 | 2 | 3; at: number } {
    const s = this.state;
    const now = s.now();
    const ch = s.channel(it.appID, it.channelID);
    const c = it.clientID;
    const n = ch.clientConns.get(c) ?? 0;
    const shard = roomShardChannel(s.keyPrefix, channelRoom(it.appID, it.channelID));
    if (n > 0) {
      if (ch.online.has(c)) return { code: 0, at: now };
      ch.online.set(c, now);
      ch.leftAt.delete(c);
      ch.offline.delete(c);
      s.publish(shard, onlineStatusMessage(it.appID, it.channelID, c, true, now));
      return { code: 1, at: now };
    }
    if (!ch.online.has(c)) {
      ch.leftAt.delete(c);
      return { code: 0, at: now };
    }
    let left = ch.leftAt.get(c) ?? 0;
    if (left === 0) {
      left = now;
      ch.leftAt.set(c, now);
    }
    const ends = left + rules.graceMs;
    if (now < ends) return { code: 3, at: ends };
    ch.online.delete(c);
    ch.leftAt.delete(c);
    if (rules.offlineKeep > 0) {
      ch.offline.set(c, now);
      for (const [id, at] of ch.offline) if (at < now - rules.offlineRetentionMs) ch.offline.delete(id);
      const byAge = [...ch.offline.entries()].sort(
        (x, y) => y[1] - x[1] || (y[0] < x[0] ? -1 : y[0] > x[0] ? 1 : 0),
      );
      for (const [id] of byAge.slice(rules.offlineKeep)) ch.offline.delete(id);
      ch.offlineExpiresAt = now + rules.offlineRetentionMs;
    } else {
      ch.offline.delete(c);
    }
    s.publish(shard, onlineStatusMessage(it.appID, it.channelID, c, false, now));
    return { code: 2, at: now };
  }
}
