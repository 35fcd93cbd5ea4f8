import { channelTag } from '@channels/contracts';
import type Redis from 'ioredis';
import type { Broker } from './broker.port';

/** Injection token of the `DurableWaiter`. */
export const DURABLE_WAITER = Symbol('DURABLE_WAITER');

/**
 * Waits until the writer committed an event to Postgres ("committed" ack mode): until the channel's
 * durable watermark, in the event's epoch, reaches the event's offset.
 */
export interface DurableWaiter {
  /** True once committed; false after `timeoutMs`, or when the stream changed epoch meanwhile. */
  waitCommitted(
    appID: string,
    channelID: string,
    epoch: string,
    offset: number,
    timeoutMs: number,
  ): Promise<boolean>;
  close(): Promise<void>;
}

interface Waiter {
  epoch: string;
  offset: number;
  done(committed: boolean): void;
}

/**
 * `DurableWaiter` over the writer's announcements: after each commit the writer publishes the
 * channels whose watermark moved (`[[appID, channelID, epoch, durable], …]` as JSON) on the
 * durable pub/sub channel. One subscriber connection per process, opened on the first wait (a
 * deployment without "committed" channels never opens it). A wait also reads the channel's
 * position once after subscribing, so a commit announced before the wait began is not missed; an
 * announcement lost while the connection was down ends in a timeout, and the publisher's retry with
 * the same id then finds the event committed at once.
 */
export class RedisDurableWaiter implements DurableWaiter {
  private subscriber: Redis | null = null;
  private subscribed: Promise<void> | null = null;
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly broker: Broker,
    private readonly connect: () => Redis,
    private readonly channel: string,
  ) {}

  async waitCommitted(
    appID: string,
    channelID: string,
    epoch: string,
    offset: number,
    timeoutMs: number,
  ): Promise<boolean> {
    await this.subscribe();
    const key = channelTag(appID, channelID);
    return new Promise<boolean>((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiter: Waiter = {
        epoch,
        offset,
        done: (committed) => {
          clearTimeout(timer);
          const s = this.waiters.get(key);
          s?.delete(waiter);
          if (s?.size === 0) this.waiters.delete(key);
          resolve(committed);
        },
      };
      const timer = setTimeout(() => waiter.done(false), timeoutMs);
      set.add(waiter);
      void this.broker.position(appID, channelID).then(
        (p) => {
          if (p.epoch !== epoch) waiter.done(false);
          else if (p.durable >= offset) waiter.done(true);
        },
        () => undefined,
      );
    });
  }

  async close(): Promise<void> {
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w.done(false);
    const sub = this.subscriber;
    this.subscriber = null;
    this.subscribed = null;
    await sub?.quit().catch(() => sub.disconnect());
  }

  /** Nest calls this on shutdown when the waiter is a provider. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private subscribe(): Promise<void> {
    if (!this.subscribed) {
      const sub = this.connect();
      this.subscriber = sub;
      sub.on('error', () => undefined);
      sub.on('message', (_channel: string, message: string) => this.announced(message));
      this.subscribed = sub.subscribe(this.channel).then(
        () => undefined,
        (e: unknown) => {
          this.subscribed = null;
          this.subscriber = null;
          sub.disconnect();
          throw e;
        },
      );
    }
    return this.subscribed;
  }

  private announced(message: string): void {
    let advances: unknown;
    try {
      advances = JSON.parse(message);
    } catch {
      return;
    }
    if (!Array.isArray(advances)) return;
    for (const a of advances) {
      if (!Array.isArray(a) || a.length !== 4) continue;
      const [appID, channelID, epoch, durable] = a as [string, string, string, number];
      const set = this.waiters.get(channelTag(String(appID), String(channelID)));
      if (!set) continue;
      for (const w of [...set]) if (w.epoch === epoch && w.offset <= durable) w.done(true);
    }
  }
}
