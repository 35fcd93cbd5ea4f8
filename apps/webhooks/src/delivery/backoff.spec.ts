import { webhookBackoff } from './backoff';

describe('webhookBackoff', () => {
  it('doubles from the base after each failure up to the cap', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5].map((n) => webhookBackoff(n, 1_000, 10_000, mid))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000,
    ]);
    expect(webhookBackoff(60, 1_000, 600_000, mid)).toBe(600_000);
  });

  it('spreads each wait by at most 20 % either way', () => {
    expect(webhookBackoff(3, 1_000, 60_000, () => 0)).toBe(3_200);
    expect(webhookBackoff(3, 1_000, 60_000, () => 1)).toBe(4_800);
  });
});
