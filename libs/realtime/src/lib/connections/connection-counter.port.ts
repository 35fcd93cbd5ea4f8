/** Injection token of the `ConnectionCounter` (gateways). */
export const CONNECTION_COUNTER = Symbol('CONNECTION_COUNTER');

/** The most connections one client, and one app, may hold across every gateway at once. */
export interface ConnectionCaps {
  perClient: number;
  perApp: number;
}

/** Why a connection was refused: its client, or its app, already holds its cap. */
export type ConnectionRefusal = 'client' | 'app';

/**
 * Cluster-wide connection counts per client and per app, for connection caps.
 *
 * - Each gateway process counts its own connections; the shared store holds one count per
 *   gateway, and a count is trusted only while its gateway's lease is live. `heartbeat` renews the
 *   lease in O(1); a gateway that dies (crash, kill -9, partition) stops counting one lease length
 *   after its last heartbeat, with no cleanup code of its own.
 * - `acquire` is atomic against every other gateway: two gateways racing for a client's last slot
 *   never both get it.
 * - `release` never fails: a write the store did not take is retried at the next heartbeat (counts
 *   are written as absolute values, so a retry cannot count twice). A lease lost meanwhile (the
 *   gateway was cut off from the store for longer than the lease) is taken again with every count.
 */
export interface ConnectionCounter {
  /**
   * Takes a slot for one more connection of `clientID` in `appID`: resolves null when taken, or
   * which cap is full (nothing is held then). Rejects when the store cannot be reached; nothing is
   * held then either.
   */
  acquire(appID: string, clientID: string, caps: ConnectionCaps): Promise<ConnectionRefusal | null>;
  /** Gives back the slot of a connection that `acquire` admitted and that has ended. */
  release(appID: string, clientID: string): void;
  /** Renews the lease (call it well within the lease length) and retries unwritten counts. */
  heartbeat(): Promise<void>;
  /** Stops counting: this gateway's counts stop counting at once (graceful shutdown). */
  close(): Promise<void>;
}
