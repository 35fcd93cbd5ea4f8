import { TokenBucket } from './token-bucket';

interface Shared {
  bucket: TokenBucket;
  connections: number;
}

/**
 * One publish token bucket per client on this gateway, shared by all of the client's connections
 * here: opening more connections does not add publish capacity. The bucket lives while the client
 * has a connection on this gateway (so reconnecting does not refill it either while another
 * connection stays open).
 */
export class ClientBuckets {
  private readonly buckets = new Map<string, Shared>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {}

  /** The client's bucket, counting one more connection that uses it. */
  acquire(appID: string, clientID: string): TokenBucket {
    const key = bucketKey(appID, clientID);
    let shared = this.buckets.get(key);
    if (!shared) {
      shared = { bucket: new TokenBucket(this.ratePerSec, this.burst), connections: 0 };
      this.buckets.set(key, shared);
    }
    shared.connections += 1;
    return shared.bucket;
  }

  /** One connection that used the client's bucket has ended; the last one drops it. */
  release(appID: string, clientID: string): void {
    const key = bucketKey(appID, clientID);
    const shared = this.buckets.get(key);
    if (!shared) return;
    shared.connections -= 1;
    if (shared.connections <= 0) this.buckets.delete(key);
  }

  /** Clients with a bucket (tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}

const bucketKey = (appID: string, clientID: string) => `${appID.length}:${appID}${clientID}`;
