/**
 * The wait before the next attempt after `failures` failed ones: `baseMs` × 2^(failures-1), at most
 * `maxMs`, spread by ±20 % so a receiver coming back is not hit by every waiting delivery at once.
 */
export function webhookBackoff(
  failures: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exp = Math.min(baseMs * 2 ** Math.max(0, failures - 1), maxMs);
  return Math.max(1, Math.round(exp * (0.8 + 0.4 * random())));
}
