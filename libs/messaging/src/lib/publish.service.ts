import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  CHANNEL_ID_PATTERN,
  type ChannelEvent,
  ChannelsError,
  ErrorCode,
  parseOrThrow,
  type Principal,
  type PublishAck,
  type PublishRequest,
  publishSchema,
} from '@channels/contracts';
import {
  BROKER,
  type Broker,
  DURABLE_WAITER,
  type DurableWaiter,
  EVENT_QUEUE,
  type EventQueue,
  WEBHOOK_EMITTER,
  type WebhookEmitter,
} from '@channels/realtime';
import { isAdmin } from '@channels/auth';
import { ChannelAccess } from './channel-access.service';
import { HookCaller } from './hooks/hook-caller.service';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';

/**
 * The one publish path (socket and HTTP): access, size, then one atomic broker step (closed check,
 * dedupe, bound on uncommitted events, offset, hot window, fan-out to every gateway), then — for
 * stored events — the hand-off to the persistence queue. It returns only after that hand-off: ack
 * means stored. Should the hand-off never happen (this process dies, Redis refuses the job), the
 * event is still in its channel's window and outbox index, and the writer's sweeper stores it.
 *
 * Channels in "committed" ack mode return only once the writer committed the event to Postgres
 * (or fail with `unavailable` after `commitAckTimeoutMs`; the event is stored later all the same,
 * and a re-publish with the same id is acked once it is).
 */
@Injectable()
export class PublishService {
  private readonly logger = new Logger(PublishService.name);

  constructor(
    private readonly access: ChannelAccess,
    @Inject(BROKER) private readonly broker: Broker,
    @Inject(EVENT_QUEUE) private readonly queue: EventQueue,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Optional() @Inject(DURABLE_WAITER) private readonly durable?: DurableWaiter,
    @Optional() private readonly hooks?: HookCaller,
    @Optional() @Inject(WEBHOOK_EMITTER) private readonly webhooks?: WebhookEmitter,
  ) {}

  /**
   * @param acked whether the publisher asked for an acknowledgement; only acked publishes on
   *   persistent channels are stored (the original product's rule).
   * @param origin the publishing connection, told to the app's publish hook.
   */
  async publish(
    principal: Principal,
    appID: string,
    input: unknown,
    opts: { acked: boolean; origin?: PublishOrigin },
  ): Promise<PublishAck> {
    const req: PublishRequest = wellFormedPublish(input) ?? parseOrThrow(publishSchema, input);
    this.checkSize(req.payload);
    const channel = await this.access.requirePublish(principal, appID, req.channelID);
    if (this.hooks && !isAdmin(principal)) {
      const answer = await this.hooks.check(appID, {
        hook: 'publish',
        appID,
        clientID: principal.clientID,
        ...opts.origin,
        channelID: req.channelID,
        eventType: req.eventType,
        payload: req.payload,
        ...(req.id !== undefined ? { id: req.id } : {}),
      });
      if (answer?.payload !== undefined) {
        this.checkSize(answer.payload);
        req.payload = answer.payload;
      }
    }
    const store = channel.persistent && opts.acked;
    const outcome = await this.broker.publish({
      appID,
      channelID: req.channelID,
      eventType: req.eventType,
      payload: req.payload,
      senderID: principal.clientID,
      ...(req.id !== undefined ? { id: req.id } : {}),
      store,
    });
    if (outcome.status === 'closed') {
      throw new ChannelsError(ErrorCode.ChannelClosed, `channel ${req.channelID} is closed`);
    }
    if (outcome.status === 'not_found') {
      throw new ChannelsError(ErrorCode.NotFound, `channel ${req.channelID} not found`);
    }
    if (outcome.status === 'behind') {
      throw new ChannelsError(
        ErrorCode.Unavailable,
        `storage is behind: channel ${req.channelID} holds ${outcome.uncommitted} events not yet ` +
          'written to the database; retry later (with the same id)',
      );
    }
    const ev = outcome.event;
    if (store && ev.offset !== undefined && ev.epoch !== undefined) {
      // Re-enqueued on duplicates too: the writer ignores rows it already has, and a publisher
      // retrying after a failed hand-off must still end up stored.
      await this.queue.enqueue({
        appID,
        channelID: ev.channelID,
        id: ev.id,
        offset: ev.offset,
        epoch: ev.epoch,
        eventType: ev.eventType,
        payload: ev.payload,
        senderID: ev.senderID,
        timestamp: ev.timestamp,
      });
      if (channel.effectiveAckMode === 'committed')
        await this.committed(appID, ev.channelID, ev.offset, ev.epoch, ev.id);
    }
    if (this.webhooks && !outcome.duplicate) await this.published(appID, ev);
    return {
      id: ev.id,
      ...(ev.offset !== undefined ? { offset: ev.offset, epoch: ev.epoch } : {}),
      timestamp: ev.timestamp,
    };
  }

  /**
   * `event_published` for apps that want it, queued before the publish is acknowledged (once per
   * event: a re-publish of the same id is not announced again). Should Redis refuse it, the
   * publish still stands and the loss is logged.
   */
  private async published(appID: string, ev: ChannelEvent): Promise<void> {
    try {
      await this.webhooks?.emit(appID, 'event_published', {
        channelID: ev.channelID,
        clientID: ev.senderID,
        data: {
          id: ev.id,
          eventType: ev.eventType,
          payload: ev.payload,
          ...(ev.offset !== undefined ? { offset: ev.offset, epoch: ev.epoch } : {}),
          timestamp: ev.timestamp,
        },
      });
    } catch (e) {
      this.logger.error(`event_published webhook for ${ev.channelID}/${ev.id} not queued: ${String(e)}`);
    }
  }

  private checkSize(payload: unknown): void {
    const size = Buffer.byteLength(JSON.stringify(payload ?? null), 'utf8');
    if (size > this.options.maxPayloadBytes) {
      throw new ChannelsError(
        ErrorCode.PayloadTooLarge,
        `payload is ${size} bytes; the limit is ${this.options.maxPayloadBytes}`,
      );
    }
  }

  /** "committed" ack mode: returns once the writer committed the event, else fails with `unavailable`. */
  private async committed(appID: string, channelID: string, offset: number, epoch: string, id: string) {
    const timeoutMs = this.options.commitAckTimeoutMs ?? 5_000;
    const ok = this.durable
      ? await this.durable.waitCommitted(appID, channelID, epoch, offset, timeoutMs)
      : false;
    if (!ok) {
      throw new ChannelsError(
        ErrorCode.Unavailable,
        `event ${id} (offset ${offset}) is not committed to storage yet (waited ${timeoutMs} ms); ` +
          'it will be stored: publish it again with the same id to get its acknowledgement',
      );
    }
  }
}

/** The connection a publish came from (absent for HTTP publishes). */
export interface PublishOrigin {
  deviceID?: string;
  connectionID?: string;
  transport?: string;
}

/**
 * The common case of `publishSchema` checked by hand (it runs on every publish): the same rules,
 * returning undefined for anything it does not accept so that zod parses it and words the error.
 */
export function wellFormedPublish(input: unknown): PublishRequest | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const { channelID, eventType, payload, id } = input as Record<string, unknown>;
  if (typeof channelID !== 'string' || !CHANNEL_ID_PATTERN.test(channelID)) return undefined;
  if (typeof eventType !== 'string' || eventType.length < 1 || eventType.length > 50) return undefined;
  if (payload === undefined) return undefined;
  if (id === undefined) return { channelID, eventType, payload };
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) return undefined;
  return { channelID, eventType, payload, id };
}
