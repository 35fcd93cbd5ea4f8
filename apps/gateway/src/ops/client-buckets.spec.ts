import { ClientBuckets } from './client-buckets';

describe('ClientBuckets', () => {
  it("shares one bucket between a client's connections", () => {
    const buckets = new ClientBuckets(1, 2);
    const a = buckets.acquire('app', 'alice');
    const b = buckets.acquire('app', 'alice');
    expect(b).toBe(a);
    const now = Date.now();
    expect([a.take(now), b.take(now), a.take(now), b.take(now)]).toEqual([true, true, false, false]);
  });

  it('keeps clients and apps apart', () => {
    const buckets = new ClientBuckets(1, 1);
    const alice = buckets.acquire('app', 'alice');
    expect(buckets.acquire('app', 'bob')).not.toBe(alice);
    expect(buckets.acquire('other', 'alice')).not.toBe(alice);
    // The key cannot be confused by where the app id ends.
    expect(buckets.acquire('ap', 'palice')).not.toBe(alice);
  });

  it("drops the bucket with the client's last connection on this gateway, not before", () => {
    const buckets = new ClientBuckets(1, 1);
    const first = buckets.acquire('app', 'alice');
    buckets.acquire('app', 'alice');
    expect(first.take()).toBe(true);
    buckets.release('app', 'alice');
    expect(buckets.acquire('app', 'alice')).toBe(first);
    buckets.release('app', 'alice');
    buckets.release('app', 'alice');
    expect(buckets.size).toBe(0);
    expect(buckets.acquire('app', 'alice')).not.toBe(first);
  });
});
