import type { RedisKeys } from '@channels/contracts';
import type Redis from 'ioredis';
import type { ConnectionCaps, ConnectionCounter, ConnectionRefusal } from './connection-counter.port';
import { ACQUIRE_LUA, HEARTBEAT_LUA } from './connection-scripts';

export interface RedisConnectionCounterOptions {
  /** Identifies this gateway process; unique per process start (a restarted gateway is a new one). */
  instance: string;
  /** How long this gateway's counts are trusted after its last heartbeat. */
  leaseMs: number;
  /** Idle count keys expire after this long (every live count is written again well before). */
  keyTtlMs?: number;
}

type ScriptFn = (...args: (string | number)[]) => Promise<number>;
type CounterScripts = { connectionsAcquire: ScriptFn; connectionsHeartbeat: ScriptFn };

const DEFAULT_KEY_TTL_MS = 3_600_000;
/** Counts written per pipeline when all of them are written again. */
const REWRITE_CHUNK = 1_000;

/**
 * `ConnectionCounter` over Redis (design: docs/design/realtime-core.md, "Connection caps").
 *
 * Per client and per app, one hash gateway instance → count; per deployment, one sorted set of
 * gateway leases. A connect is one script that sums the other gateways' live counts and writes
 * this gateway's new absolute counts (O(number of gateways)); a disconnect is one pipeline; a
 * heartbeat one O(1) script. This process keeps the true counts of its own connections in memory,
 * so a write that failed is simply written again (dirty keys at the next heartbeat, every key when
 * the lease was lost, and every key once per quarter of the key ttl so live keys never expire).
 */
export class RedisConnectionCounter implements ConnectionCounter {
  private readonly redis: Redis & CounterScripts;
  /** Redis key (client or app hash) → this gateway's count of connections. */
  private readonly counts = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly keyTtlMs: number;
  private lastFullWrite = Date.now();
  private closed = false;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisConnectionCounterOptions,
  ) {
    redis.defineCommand('connectionsAcquire', { numberOfKeys: 3, lua: ACQUIRE_LUA });
    redis.defineCommand('connectionsHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT_LUA });
    this.redis = redis as Redis & CounterScripts;
    this.keyTtlMs = options.keyTtlMs ?? DEFAULT_KEY_TTL_MS;
  }

  async acquire(appID: string, clientID: string, caps: ConnectionCaps): Promise<ConnectionRefusal | null> {
    if (this.closed) throw new Error('connection counter closed');
    const clientKey = this.keys.clientConnections(appID, clientID);
    const appKey = this.keys.appConnections(appID);
    // Counted here first, so concurrent connects on this gateway see each other.
    const clientCount = this.add(clientKey, 1);
    const appCount = this.add(appKey, 1);
    let refused: ConnectionRefusal | null;
    try {
      let result = await this.script(clientKey, appKey, clientCount, appCount, caps);
      if (result === -1) {
        await this.heartbeat();
        result = await this.script(clientKey, appKey, clientCount, appCount, caps);
      }
      if (result === -1) throw new Error('connection lease lost');
      refused = result === 1 ? 'client' : result === 2 ? 'app' : null;
    } catch (e) {
      this.undo(clientKey, appKey);
      throw e;
    }
    if (refused) this.undo(clientKey, appKey);
    return refused;
  }

  release(appID: string, clientID: string): void {
    const clientKey = this.keys.clientConnections(appID, clientID);
    const appKey = this.keys.appConnections(appID);
    this.add(clientKey, -1);
    this.add(appKey, -1);
    if (this.closed) return;
    this.write([clientKey, appKey]).catch(() => {
      this.dirty.add(clientKey);
      this.dirty.add(appKey);
    });
  }

  async heartbeat(): Promise<void> {
    if (this.closed) return;
    const lost =
      (await this.redis.connectionsHeartbeat(
        this.keys.connectionLeases(),
        this.options.instance,
        this.options.leaseMs,
      )) === 1;
    const due = Date.now() - this.lastFullWrite >= this.keyTtlMs / 4;
    if (lost || due) {
      this.lastFullWrite = Date.now();
      const all = [...this.counts.keys()];
      for (let i = 0; i < all.length; i += REWRITE_CHUNK) await this.write(all.slice(i, i + REWRITE_CHUNK));
      this.dirty.clear();
    } else if (this.dirty.size > 0) {
      const keys = [...this.dirty];
      this.dirty.clear();
      await this.write(keys).catch((e: unknown) => {
        for (const k of keys) this.dirty.add(k);
        throw e;
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.zrem(this.keys.connectionLeases(), this.options.instance);
  }

  private script(
    clientKey: string,
    appKey: string,
    clientCount: number,
    appCount: number,
    caps: ConnectionCaps,
  ): Promise<number> {
    return this.redis.connectionsAcquire(
      this.keys.connectionLeases(),
      clientKey,
      appKey,
      this.options.instance,
      clientCount,
      appCount,
      caps.perClient,
      caps.perApp,
      this.keyTtlMs,
    );
  }

  /** Takes back a slot counted but not recorded; the store may have seen it through a concurrent write. */
  private undo(clientKey: string, appKey: string): void {
    this.add(clientKey, -1);
    this.add(appKey, -1);
    this.dirty.add(clientKey);
    this.dirty.add(appKey);
  }

  private add(key: string, delta: number): number {
    const n = (this.counts.get(key) ?? 0) + delta;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
    return Math.max(n, 0);
  }

  /** Writes this gateway's current counts of `keys` (absolute values: a repeat changes nothing). */
  private async write(keys: string[]): Promise<void> {
    const p = this.redis.pipeline();
    for (const key of keys) {
      const n = this.counts.get(key) ?? 0;
      if (n > 0) {
        p.hset(key, this.options.instance, n);
        p.pexpire(key, this.keyTtlMs);
      } else {
        p.hdel(key, this.options.instance);
      }
    }
    const results = (await p.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}
