/** Injection token of the `PresenceStore` (used by the presence service). */
export const PRESENCE_STORE = Symbol('PRESENCE_STORE');

/** The transition rules the presence service applies. */
export interface PresenceRules {
  /** How long a client stays online after its last connection is gone (a reconnect within it announces nothing). */
  graceMs: number;
  /** How many recently-offline clients a channel keeps for snapshots (most recent first). */
  offlineKeep: number;
  /** How long an offline client stays in snapshots. */
  offlineRetentionMs: number;
}

/** A (channel, client) pair whose state must be re-evaluated, claimed by one presence replica. */
export interface DueEvaluation {
  appID: string;
  channelID: string;
  clientID: string;
  /** Opaque claim token (the claim's expiry); completing with another token changes nothing. */
  claim: number;
  /** The member as stored (used to complete the claim). */
  key: string;
}

/** An announced transition (already emitted to the channel's subscribers on every gateway). */
export interface PresenceTransition {
  appID: string;
  channelID: string;
  clientID: string;
  status: boolean;
  /** Unix ms (store clock), the same value the `online_status` event carries. */
  timestamp: number;
}

export interface SettleResult {
  evaluated: number;
  /** Evaluations that failed (store errors); their claims expire and they are retried. */
  failed: number;
  transitions: PresenceTransition[];
}

/** A gateway lease that expired (its gateway stopped heartbeating), claimed by one presence replica. */
export interface ExpiredLease {
  lease: string;
  gatewayID: string;
  /** Unix ms of the gateway's last heartbeat: its connections count as ended then. */
  lastSeen: number;
  /** Unix ms the lease expired; null when this is the takeover of another replica's unfinished cleanup. */
  expiredAt: number | null;
  /** Unix ms (store clock) the claim was made. */
  claimedAt: number;
}

export interface ReapResult {
  /** Connection entries removed in this step. */
  removed: number;
  /** True once every connection of the lease is gone and the lease is forgotten. */
  done: boolean;
}

export interface PresenceStats {
  /** Presence channels with at least one online client. */
  channels: number;
  /** Online clients summed over presence channels. */
  online: number;
  /** Unix ms the figures were computed. */
  at: number;
}

/**
 * The presence service's side of the store. Work is shared by claims with an expiry instead of a
 * leader: any number of replicas call the same methods; a claimed item is invisible to the others
 * until its claim expires, so a replica that dies mid-way delays its items by at most `claimMs`
 * and loses none. Transitions are decided from the stored state (never from the order reports
 * arrived in) and announced atomically with the state change, so evaluating the same item twice
 * never announces twice.
 */
export interface PresenceStore {
  /** Claims up to `limit` evaluations that are due now, each for `claimMs`. */
  claimDue(limit: number, claimMs: number): Promise<DueEvaluation[]>;
  /**
   * Applies the rules to each claimed pair: online when it has a connection and was not announced
   * online; offline once it has had none for `graceMs`; otherwise nothing (a reconnect within the
   * grace period included). Announces each transition, reschedules pending grace periods and
   * releases the claims.
   */
  settle(items: DueEvaluation[], rules: PresenceRules): Promise<SettleResult>;
  /** Unix ms (store clock) of the earliest scheduled evaluation, or null when none is scheduled. */
  nextDueAt(): Promise<number | null>;
  /** Store clock, unix ms. */
  now(): Promise<number>;
  /** Claims up to `limit` expired gateway leases (and abandoned cleanups), each for `claimMs`. */
  claimExpiredLeases(limit: number, claimMs: number): Promise<ExpiredLease[]>;
  /**
   * Removes up to `batch` connections of a claimed lease as if they had left at its last heartbeat
   * (and schedules their clients' evaluation), extending the claim by `claimMs`.
   */
  reap(lease: ExpiredLease, batch: number, claimMs: number): Promise<ReapResult>;
  /**
   * Recomputes the cluster-wide gauges when the last figures are older than `maxAgeMs` (one
   * replica does it at a time; the others read the shared result).
   */
  stats(maxAgeMs: number): Promise<PresenceStats>;
}
