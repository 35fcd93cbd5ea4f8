import type { ConnectionCaps, ConnectionCounter, ConnectionRefusal } from './connection-counter.port';

/** The shared store of in-memory connection counters (what Redis is to the Redis adapter). */
export class InMemoryConnectionState {
  /** Instance → lease expiry (ms). */
  readonly leases = new Map<string, number>();
  /** Client or app key → instance → count. */
  readonly counts = new Map<string, Map<string, number>>();
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => Date.now());
  }

  live(instance: string): boolean {
    const expiry = this.leases.get(instance);
    return expiry !== undefined && expiry >= this.now();
  }
}

/**
 * `ConnectionCounter` in process memory, with the Redis adapter's semantics (counts per instance,
 * trusted while the instance's lease is live): for unit tests and single-process runs.
 */
export class InMemoryConnectionCounter implements ConnectionCounter {
  private readonly mine = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly state: InMemoryConnectionState,
    private readonly options: { instance: string; leaseMs: number },
  ) {}

  async acquire(appID: string, clientID: string, caps: ConnectionCaps): Promise<ConnectionRefusal | null> {
    if (this.closed) throw new Error('connection counter closed');
    if (!this.state.live(this.options.instance)) await this.heartbeat();
    const clientKey = `c\u0000${appID}\u0000${clientID}`;
    const appKey = `a\u0000${appID}`;
    const clientCount = (this.mine.get(clientKey) ?? 0) + 1;
    const appCount = (this.mine.get(appKey) ?? 0) + 1;
    if (this.others(clientKey) + clientCount > caps.perClient) return 'client';
    if (this.others(appKey) + appCount > caps.perApp) return 'app';
    this.set(clientKey, clientCount);
    this.set(appKey, appCount);
    return null;
  }

  release(appID: string, clientID: string): void {
    for (const key of [`c\u0000${appID}\u0000${clientID}`, `a\u0000${appID}`]) {
      this.set(key, Math.max(0, (this.mine.get(key) ?? 0) - 1));
    }
  }

  async heartbeat(): Promise<void> {
    if (this.closed) return;
    const lost = !this.state.live(this.options.instance);
    this.state.leases.set(this.options.instance, this.state.now() + this.options.leaseMs);
    if (lost) for (const [key, n] of this.mine) this.write(key, n);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state.leases.delete(this.options.instance);
  }

  private others(key: string): number {
    let total = 0;
    for (const [instance, n] of this.state.counts.get(key) ?? []) {
      if (instance !== this.options.instance && this.state.live(instance)) total += n;
    }
    return total;
  }

  private set(key: string, n: number): void {
    if (n > 0) this.mine.set(key, n);
    else this.mine.delete(key);
    if (!this.closed) this.write(key, n);
  }

  private write(key: string, n: number): void {
    const perInstance = this.state.counts.get(key) ?? new Map<string, number>();
    if (n > 0) perInstance.set(this.options.instance, n);
    else perInstance.delete(this.options.instance);
    if (perInstance.size > 0) this.state.counts.set(key, perInstance);
    else this.state.counts.delete(key);
  }
}
