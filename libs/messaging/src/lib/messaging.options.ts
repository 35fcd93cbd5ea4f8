/** Settings of the publish/history path shared by gateways and admin-api. */
export interface MessagingOptions {
  /** Largest event payload, serialized JSON bytes. */
  maxPayloadBytes: number;
  /** Events kept per channel in the Redis hot window. */
  hotWindowSize: number;
  /** Idempotency window for publisher ids (≥ 300). */
  idempotencyTtlSeconds: number;
  /**
   * Most events a channel may hold above its durable watermark (not committed in Postgres yet);
   * stored publishes beyond it are refused with `unavailable`. Default 10,000.
   */
  maxUncommittedEvents?: number;
  /** "committed" ack mode: longest wait for the writer's commit before `unavailable`. Default 5,000 ms. */
  commitAckTimeoutMs?: number;
  /** How long channel settings and memberships are cached in-process (changes also invalidate). */
  directoryCacheMs: number;
  /** Publish batching towards the persistence queue. */
  queueBatchMaxEvents: number;
  queueBatchMaxDelayMs: number;
  /**
   * Memory for the in-process copy of the hot windows history is read from (see WindowMirror),
   * bytes; 0 or absent: every history read goes to Redis in full.
   */
  historyMirrorBytes?: number;
  /** Hook calls to one app's backend in flight at once from this process (default 64). */
  hookMaxInFlightPerApp?: number;
}
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
