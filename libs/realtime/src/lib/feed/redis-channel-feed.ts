import type { RedisClientType } from 'redis';
import { roomShardChannel } from '../broker/adapter-message';
import type { ChannelFeed } from './channel-feed.port';

/**
 * `ChannelFeed` over Redis 7 sharded pub/sub (`SSUBSCRIBE` on each room's shard channel, the one
 * the publish and presence scripts `SPUBLISH` to), on a node-redis subscriber client (the client
 * that follows Redis Cluster's slots for sharded channels).
 */
export class RedisChannelFeed implements ChannelFeed {
  private handler: (room: string, message: Buffer) => void = () => undefined;
  private restored: () => void = () => undefined;
  private readonly live = new Map<string, Promise<void>>();
  private lost = false;
  private readonly prefixLength: number;
  private readonly listener = (message: Buffer, channel: Buffer) => {
    // Between a lost connection and its restoration (the client resubscribes before it says it is
    // ready), what arrives follows a gap: the subscribers are about to be closed for recovery and
    // must not see a later event before the missing ones.
    if (this.lost) return;
    const name = channel.toString();
    this.handler(name.slice(this.prefixLength, -1), message);
  };

  constructor(
    private readonly client: RedisClientType,
    private readonly keyPrefix: string,
  ) {
    this.prefixLength = roomShardChannel(keyPrefix, '').length - 1;
    client.on('end', () => (this.lost = true));
    client.on('reconnecting', () => (this.lost = true));
    client.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      this.restored();
    });
  }

  subscribe(room: string): Promise<void> {
    let p = this.live.get(room);
    if (!p) {
      p = this.client
        .sSubscribe(roomShardChannel(this.keyPrefix, room), this.listener as never, true)
        .then(() => undefined);
      p.catch(() => {
        if (this.live.get(room) === p) this.live.delete(room);
      });
      this.live.set(room, p);
    }
    return p;
  }

  async unsubscribe(room: string): Promise<void> {
    if (!this.live.delete(room)) return;
    await this.client.sUnsubscribe(roomShardChannel(this.keyPrefix, room)).catch(() => undefined);
  }

  onMessage(handler: (room: string, message: Buffer) => void): void {
    this.handler = handler;
  }

  onRestored(handler: () => void): void {
    this.restored = handler;
  }

  /** Rooms subscribed (for tests and stats). */
  get rooms(): number {
    return this.live.size;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.live.clear();
    await this.client.quit().catch(() => undefined);
  }
}
