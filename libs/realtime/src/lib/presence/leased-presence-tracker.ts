import type { ClientStatusMap } from '@channels/contracts';
import { leaseEntry, newLease } from './presence-codec';
import type {
  PresenceConnection,
  PresenceMember,
  PresencePage,
  PresenceTracker,
} from './presence-tracker.port';

/** Default lease: a gateway heartbeating every 5 s may miss one beat without losing its connections. */
export const DEFAULT_PRESENCE_LEASE_MS = 12_000;
/** Default page size of presence snapshots. */
export const DEFAULT_SNAPSHOT_PAGE = 1_000;
/** Largest page a snapshot read returns. */
export const MAX_SNAPSHOT_PAGE = 10_000;

/** Per gateway id: the lease its connections live under, and what this process joined. */
interface GatewayLease {
  gatewayID: string;
  lease: string;
  /** The current lease is registered in the store (a missing lease then means it was lost). */
  registered: boolean;
  /** The lease was replaced: every joined connection must be filed under the new one. */
  refile: boolean;
  /** Connections joined and not left, by lease entry. */
  joined: Map<string, PresenceConnection>;
  /**
   * Leaves the store may not have applied (the call failed, or a failed join may have been
   * recorded): retried at each heartbeat until they succeed, so a store outage leaves no ghost.
   */
  unsettled: Map<string, { lease: string; c: PresenceConnection }>;
  /** In-flight registration, shared by concurrent callers. */
  registering?: Promise<void>;
}

/** How many connections are refiled concurrently after a lost lease. */
const REFILE_CONCURRENCY = 64;

/**
 * The gateway-side lease protocol shared by the store adapters (one instance per gateway process).
 *
 * Each gateway id gets a lease with a random incarnation (a process restarted under the same id
 * never renews its previous life's lease). A connection is first filed under the lease — only while
 * the lease is live, so a dead gateway cannot leave an unfiled connection behind — then recorded in
 * the channel. When the store reports the lease lost (the process was cut off for longer than the
 * lease and its connections were reaped), the tracker takes a new lease and files every connection
 * it holds again at the next heartbeat.
 */
export abstract class LeasedPresenceTracker implements PresenceTracker {
  private readonly gateways = new Map<string, GatewayLease>();

  /** Renews (or, when `known` is false, registers) a lease; false when the lease was lost. */
  protected abstract renewLease(lease: string, known: boolean): Promise<boolean>;
  /** Adds the connection to the lease's set if the lease is live; false when it is not. */
  protected abstract fileUnderLease(lease: string, c: PresenceConnection): Promise<boolean>;
  /** Records the connection in its channel under `lease` and schedules its client's evaluation. */
  protected abstract recordJoin(lease: string, c: PresenceConnection): Promise<void>;
  /** Removes the connection from its channel if `lease` holds it, schedules the evaluation, unfiles it. */
  protected abstract recordLeave(lease: string, c: PresenceConnection): Promise<void>;

  abstract snapshotPage(
    appID: string,
    channelID: string,
    cursor?: string | null,
    limit?: number,
  ): Promise<PresencePage>;
  abstract connections(appID: string, channelID: string, limit?: number): Promise<PresenceMember[]>;
  abstract onlineCount(appID: string, channelID: string): Promise<number>;
  abstract forgetChannel(appID: string, channelID: string): Promise<void>;

  async join(c: PresenceConnection): Promise<void> {
    const gw = this.gateway(c.gatewayID);
    const entry = leaseEntry(c);
    gw.joined.set(entry, c);
    gw.unsettled.delete(entry);
    try {
      await this.file(gw, c);
    } catch (e) {
      gw.joined.delete(entry);
      gw.unsettled.set(entry, { lease: gw.lease, c });
      throw e;
    }
  }

  async leave(c: PresenceConnection): Promise<void> {
    const gw = this.gateways.get(c.gatewayID);
    if (!gw) return;
    const entry = leaseEntry(c);
    gw.joined.delete(entry);
    gw.unsettled.delete(entry);
    // A connection still filed under a lost lease is removed by that lease's cleanup.
    const lease = gw.lease;
    try {
      await this.recordLeave(lease, c);
    } catch (e) {
      gw.unsettled.set(entry, { lease, c });
      throw e;
    }
  }

  async heartbeat(gatewayID: string, connections?: Iterable<PresenceConnection>): Promise<void> {
    const gw = this.gateway(gatewayID);
    if (gw.registering) await gw.registering;
    if (gw.registered) {
      const lease = gw.lease;
      if (!(await this.renewLease(lease, true))) this.lost(gw, lease);
    }
    await this.registered(gw);
    await this.settleLeaves(gw);
    if (!gw.refile) return;
    // The old lease's cleanup skips the entries handed over to the new one.
    gw.refile = false;
    if (connections) gw.joined = new Map([...connections].map((c) => [leaseEntry(c), c]));
    try {
      const pending = [...gw.joined.values()];
      const workers = Array.from({ length: Math.min(REFILE_CONCURRENCY, pending.length) }, async () => {
        for (let c = pending.pop(); c; c = pending.pop()) await this.file(gw, c);
      });
      await Promise.all(workers);
    } catch (e) {
      gw.refile = true;
      throw e;
    }
  }

  async snapshot(appID: string, channelID: string): Promise<ClientStatusMap> {
    const out: ClientStatusMap = {};
    let cursor: string | null = null;
    do {
      const page: PresencePage = await this.snapshotPage(appID, channelID, cursor, DEFAULT_SNAPSHOT_PAGE);
      for (const [clientID, s] of Object.entries(page.clientStatus)) {
        // Online wins over a stale offline entry seen on a later page.
        if (!out[clientID]?.status) out[clientID] = s;
      }
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  private gateway(gatewayID: string): GatewayLease {
    let gw = this.gateways.get(gatewayID);
    if (!gw) {
      gw = {
        gatewayID,
        lease: newLease(gatewayID),
        registered: false,
        refile: false,
        joined: new Map(),
        unsettled: new Map(),
      };
      this.gateways.set(gatewayID, gw);
    }
    return gw;
  }

  /** Retries the leaves the store may have missed (one at a time: only after failures). */
  private async settleLeaves(gw: GatewayLease): Promise<void> {
    for (const [entry, pending] of [...gw.unsettled]) {
      if (gw.unsettled.get(entry) !== pending) continue;
      await this.recordLeave(pending.lease, pending.c);
      if (gw.unsettled.get(entry) === pending) gw.unsettled.delete(entry);
      // Joined again while the leave was in flight: make sure the join is what the store keeps.
      const again = gw.joined.get(entry);
      if (again) await this.file(gw, again);
    }
  }

  /** Files a connection under the gateway's live lease (taking a new lease if it was lost). */
  private async file(gw: GatewayLease, c: PresenceConnection, attempt = 0): Promise<void> {
    await this.registered(gw);
    const lease = gw.lease;
    if (!(await this.fileUnderLease(lease, c))) {
      this.lost(gw, lease);
      if (attempt >= 2) throw new Error(`presence lease of gateway ${gw.gatewayID} cannot be renewed`);
      return this.file(gw, c, attempt + 1);
    }
    await this.recordJoin(lease, c);
  }

  /** Waits until the gateway's current lease is registered (concurrent callers share one attempt). */
  private async registered(gw: GatewayLease): Promise<void> {
    while (!gw.registered) {
      gw.registering ??= this.register(gw).finally(() => {
        gw.registering = undefined;
      });
      await gw.registering;
    }
  }

  private async register(gw: GatewayLease): Promise<void> {
    const lease = gw.lease;
    const ok = await this.renewLease(lease, false);
    if (gw.lease !== lease) return;
    if (ok) gw.registered = true;
    else gw.lease = newLease(gw.gatewayID);
  }

  /** `lease` is gone: switch to a new one (once) and refile at the next heartbeat. */
  private lost(gw: GatewayLease, lease: string): void {
    if (gw.lease !== lease) return;
    gw.lease = newLease(gw.gatewayID);
    gw.registered = false;
    gw.refile = true;
  }
}
