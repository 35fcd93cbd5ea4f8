import type { ControlMessage } from '@channels/contracts';
import type Redis from 'ioredis';
import type { ControlBus } from './control-bus.port';

/**
 * Control bus over plain Redis pub/sub: every gateway receives every message (control traffic is
 * rare: membership and channel admin changes), so no subscription bookkeeping is needed.
 */
export class RedisControlBus implements ControlBus {
  private subscriber?: Redis;

  /**
   * @param purpose names a second subscriber of the same process apart from the first (its
   *   connection is `control-<purpose>:<channel>`), so each can be found in CLIENT LIST.
   */
  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly purpose?: string,
  ) {}

  async publish(message: ControlMessage): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(message));
  }

  async subscribe(
    handler: (message: ControlMessage) => void,
    onResync?: () => void,
  ): Promise<() => Promise<void>> {
    // Named after its channel, so an operator (or a test) can find it in CLIENT LIST.
    const sub = this.redis.duplicate({ connectionName: controlConnectionName(this.channel, this.purpose) });
    this.subscriber = sub;
    let connectedBefore = false;
    sub.on('ready', () => {
      if (!connectedBefore) {
        connectedBefore = true;
        return;
      }
      // Reconnected: ioredis subscribes again right after this event; what was published while
      // the connection was down is gone. The resync runs once Redis confirms the subscription, so
      // every change after it arrives as a message and every change before it is re-read.
      sub.subscribe(this.channel).then(
        () => onResync?.(),
        () => undefined, // dropped again: the next 'ready' resyncs
      );
    });
    sub.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      let msg: ControlMessage;
      try {
        msg = JSON.parse(raw) as ControlMessage;
      } catch {
        return;
      }
      handler(msg);
    });
    await sub.subscribe(this.channel);
    return async () => {
      await sub.unsubscribe(this.channel).catch(() => undefined);
      sub.disconnect();
    };
  }
}

/** The name of the control subscription's Redis connection (CLIENT SETNAME takes no spaces). */
export const controlConnectionName = (channel: string, purpose?: string): string =>
  `control${purpose ? `-${purpose}` : ''}:${channel}`.replace(/[^\x21-\x7e]/g, '_');
