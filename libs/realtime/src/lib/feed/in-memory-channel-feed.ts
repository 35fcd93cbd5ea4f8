import type { ChannelFeed } from './channel-feed.port';

/** `ChannelFeed` in process memory, for unit tests: `publish` plays what Redis would deliver. */
export class InMemoryChannelFeed implements ChannelFeed {
  private handler: (room: string, message: Buffer) => void = () => undefined;
  private restored: () => void = () => undefined;
  readonly subscribed = new Set<string>();

  subscribe(room: string): Promise<void> {
    this.subscribed.add(room);
    return Promise.resolve();
  }

  unsubscribe(room: string): Promise<void> {
    this.subscribed.delete(room);
    return Promise.resolve();
  }

  onMessage(handler: (room: string, message: Buffer) => void): void {
    this.handler = handler;
  }

  onRestored(handler: () => void): void {
    this.restored = handler;
  }

  /** Delivers `message` to the room if subscribed (as Redis would); returns whether it was. */
  publish(room: string, message: string | Buffer): boolean {
    if (!this.subscribed.has(room)) return false;
    this.handler(room, typeof message === 'string' ? Buffer.from(message) : message);
    return true;
  }

  /** Plays a lost and restored connection. */
  restore(): void {
    this.restored();
  }

  close(): Promise<void> {
    this.subscribed.clear();
    return Promise.resolve();
  }
}
