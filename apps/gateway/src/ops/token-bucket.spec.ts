import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows a burst then refuses until tokens refill at the sustained rate', () => {
    const bucket = new TokenBucket(10, 3);
    const t0 = Date.now();
    expect([bucket.take(t0), bucket.take(t0), bucket.take(t0)]).toEqual([true, true, true]);
    expect(bucket.take(t0)).toBe(false);
    expect(bucket.take(t0 + 100)).toBe(true); // 10/s → one token per 100 ms
    expect(bucket.take(t0 + 100)).toBe(false);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket(1000, 2);
    const t0 = Date.now() + 60_000;
    expect([bucket.take(t0), bucket.take(t0), bucket.take(t0)]).toEqual([true, true, false]);
  });
});
