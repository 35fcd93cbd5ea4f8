/** Reconnection delays: exponential growth with jitter (options of {@link ChannelsClientOptions}). */
export interface BackoffOptions {
  /** Delay before the first retry, in ms (default 500). Each later retry doubles it, up to `maxDelayMs`. */
  minDelayMs?: number;
  /** Longest delay between two attempts, in ms (default 20,000). */
  maxDelayMs?: number;
}

/**
 * The delay before retry number `attempt` (0-based): `min(max, min·2^attempt)`, jittered uniformly
 * into its upper half so that clients dropped together (a gateway died) do not return together.
 */
export function backoffDelay(
  attempt: number,
  o: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const min = o.minDelayMs ?? 500;
  const max = Math.max(min, o.maxDelayMs ?? 20_000);
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
