import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { ControlMessage, WebhookSubject, WebhookType } from '@channels/contracts';
import { ChannelDirectory, ChannelGateService, TokenRevocations } from '@channels/messaging';
import {
  BROKER,
  type Broker,
  CONTROL_BUS,
  type ControlBus,
  PRESENCE_TRACKER,
  type PresenceTracker,
  WEBHOOK_EMITTER,
  type WebhookEmitter,
} from '@channels/realtime';
import { invalidateFor } from './directory-invalidation';

/** One step that makes a committed Postgres change visible to the live system (Redis and gateways). */
export type LiveEffect =
  /** Re-reads the channel from Postgres into the Redis gate the publish path enforces. */
  | { kind: 'gate'; appID: string; channelID: string }
  /** Drops a deleted channel's hot stream. */
  | { kind: 'drop_stream'; appID: string; channelID: string }
  /** Drops a channel's presence without announcing anyone offline (its presence was turned off). */
  | { kind: 'forget_presence'; appID: string; channelID: string }
  /** Tells every gateway (new_channel, remove_channel, channel_closed, disconnect…). */
  | { kind: 'control'; message: ControlMessage }
  /** Queues a webhook of the change (member_added…) for the app's backend, if it wants that type. */
  | { kind: 'webhook'; appID: string; type: WebhookType; subject: WebhookSubject };

const MAX_PENDING = 100_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Applies live effects after an admin change has committed in Postgres, in order. The request
 * waits for them, so when it answers, publishing already obeys the change and gateways have been
 * told. When Redis is unreachable the change itself stays committed (it is the source of truth):
 * the remaining effects are queued in order and retried with backoff until Redis answers again, so
 * an outage heals without anyone repeating the request.
 */
@Injectable()
export class LiveEffects implements OnModuleDestroy {
  private readonly logger = new Logger(LiveEffects.name);
  private readonly pending: LiveEffect[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private delay = RETRY_MIN_MS;

  constructor(
    private readonly gates: ChannelGateService,
    private readonly directory: ChannelDirectory,
    @Inject(BROKER) private readonly broker: Broker,
    @Inject(CONTROL_BUS) private readonly control: ControlBus,
    private readonly revocations: TokenRevocations,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
    @Optional() @Inject(WEBHOOK_EMITTER) private readonly webhooks?: WebhookEmitter,
  ) {}

  /** Number of effects waiting for Redis to come back. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Runs `effects` in order; returns true when all were applied now, false when some were deferred. */
  async apply(effects: LiveEffect[]): Promise<boolean> {
    if (effects.length === 0) return true;
    // This process reads its own writes at once, whatever Redis does.
    for (const e of effects) {
      if (e.kind === 'control') invalidateFor(this.directory, this.revocations, e.message);
      else if (e.kind !== 'webhook') this.directory.invalidateChannel(e.appID, e.channelID);
    }
    if (this.pending.length > 0 || this.draining) {
      this.defer(effects);
      return false;
    }
    for (let i = 0; i < effects.length; i++) {
      try {
        await this.run(effects[i]);
      } catch (e) {
        this.logger.warn(`deferring ${effects.length - i} live effect(s): ${(e as Error).message}`);
        this.defer(effects.slice(i));
        return false;
      }
    }
    return true;
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(effect: LiveEffect): Promise<void> {
    switch (effect.kind) {
      case 'gate':
        await this.gates.sync(effect.appID, effect.channelID);
        return;
      case 'drop_stream':
        await this.broker.dropStream(effect.appID, effect.channelID);
        return;
      case 'forget_presence':
        await this.presence.forgetChannel(effect.appID, effect.channelID);
        return;
      case 'control':
        await this.control.publish(effect.message);
        return;
      case 'webhook':
        await this.webhooks?.emit(effect.appID, effect.type, effect.subject);
        return;
    }
  }

  private defer(effects: LiveEffect[]): void {
    this.pending.push(...effects);
    if (this.pending.length > MAX_PENDING) {
      const dropped = this.pending.splice(0, this.pending.length - MAX_PENDING);
      this.logger.error(`live effect backlog full: dropped ${dropped.length} oldest effect(s)`);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.draining) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.delay);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        await this.run(this.pending[0]);
        this.pending.shift();
      }
      this.delay = RETRY_MIN_MS;
      this.logger.log('deferred live effects applied');
    } catch {
      this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
    } finally {
      this.draining = false;
    }
    if (this.pending.length > 0) this.schedule();
  }
}
