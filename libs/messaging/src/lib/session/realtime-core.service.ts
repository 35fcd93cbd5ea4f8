import { Inject, Injectable } from '@nestjs/common';
import { isAdmin } from '@channels/auth';
import {
  type Channel,
  channelRoom,
  type ChannelsAck,
  ChannelsError,
  CHANNELS_PAGE_MAX,
  channelsSchema,
  type ErrorBody,
  ErrorCode,
  type HistoryAck,
  isChannelsError,
  parseOrThrow,
  type PresenceAck,
  presenceSchema,
  type PublishAck,
  type SubscribeAck,
  type SubscribeChannelResult,
  subscribeSchema,
  unsubscribeSchema,
} from '@channels/contracts';
import { ChannelRepository } from '@channels/db';
import { BROKER, type Broker, PRESENCE_TRACKER, type PresenceTracker } from '@channels/realtime';
import { HookCaller } from '../hooks/hook-caller.service';
import { ChannelAccess } from '../channel-access.service';
import { HistoryService } from '../history.service';
import { PublishService } from '../publish.service';
import { ChannelHub } from './channel-hub';
import {
  CORE_METRICS,
  type CoreMetrics,
  REALTIME_CORE_OPTIONS,
  type RealtimeCoreOptions,
} from './core.options';
import type { Session } from './session';

interface Prepared {
  channelID: string;
  room: string;
  result: SubscribeChannelResult;
  /** Buffered live events at or below this offset were already covered by the result. */
  coveredOffset: number | undefined;
}

/** A subscribe's answer and what to do right after it was sent (release the held events). */
export interface SubscribeOutcome {
  ack: SubscribeAck;
  afterAck: () => void;
}

/**
 * The realtime rules of a connection, whatever its transport: subscribe (access, channel limit,
 * recovery, holds while recovering, presence registration), unsubscribe, publish (rate limit),
 * history, presence queries and channel listing. A transport turns its frames into these calls and
 * the results back into frames; a rule written here holds on every transport.
 *
 * A subscribe joins the room first, waits until the gateway's subscription for it is live, holds
 * live events while it reads the position (or the recovery window), answers, then releases the
 * held events above what the answer covered: every event exactly once, in offset order, with no
 * gap between recovery and live.
 */
@Injectable()
export class RealtimeCore {
  /** The counter child of the common outcome, bound once (labelled inc() hashes labels per call). */
  private readonly publishedOk: { inc(): void };

  constructor(
    readonly hub: ChannelHub,
    private readonly access: ChannelAccess,
    private readonly history: HistoryService,
    private readonly publisher: PublishService,
    private readonly channels: ChannelRepository,
    @Inject(BROKER) private readonly broker: Broker,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
    @Inject(REALTIME_CORE_OPTIONS) private readonly options: RealtimeCoreOptions,
    @Inject(CORE_METRICS) private readonly metrics: CoreMetrics,
    private readonly hooks: HookCaller,
  ) {
    this.publishedOk = metrics.eventsIn.labels({ result: 'ok' });
  }

  /** A connection was admitted. */
  open(session: Session): void {
    this.hub.add(session);
  }

  /**
   * The connection is ready for notices (socket.io's `ready` was sent): the channels its token
   * names are subscribed, each announced with `new_subscription`.
   */
  async ready(session: Session): Promise<void> {
    if (session.tokenChannels.length > 0) await this.serverSubscribe(session, [...session.tokenChannels]);
  }

  /** The connection closed: it leaves its rooms, and its presence is ended unless shutting down. */
  async closed(session: Session, reportPresence: boolean): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    this.hub.remove(session);
    this.metrics.subscriptions.dec(session.channels.size);
    for (const channelID of session.channels) this.hub.leave(channelRoom(session.appID, channelID), session);
    const presence = [...session.presenceChannels];
    session.channels.clear();
    session.presenceChannels.clear();
    if (!reportPresence) return;
    await Promise.all(presence.map((channelID) => this.leavePresence(session, channelID)));
  }

  async subscribe(session: Session, input: unknown): Promise<SubscribeOutcome> {
    const req = parseOrThrow(subscribeSchema, input);
    return this.subscribeMany(session, [...new Set(req.channels)], req.recover ?? {});
  }

  /** Subscribes to each channel; a refusal is that channel's result, the others go on. */
  async subscribeMany(
    session: Session,
    channelIDs: string[],
    recover: Record<string, { offset: number; epoch: string }> = {},
    by: 'client' | 'server' = 'client',
  ): Promise<SubscribeOutcome> {
    const prepared: Prepared[] = [];
    const results: Record<string, SubscribeChannelResult> = {};
    for (const channelID of channelIDs) {
      try {
        const p = await this.subscribeOne(session, channelID, recover[channelID], by);
        prepared.push(p);
        results[channelID] = p.result;
      } catch (e) {
        results[channelID] = { ok: false, error: toErrorBody(e) };
      }
    }
    const afterAck = () => {
      for (const p of prepared) this.flushHeld(session, p);
    };
    return { ack: { results }, afterAck };
  }

  /**
   * Subscriptions the server makes for the connection (server-side subscribe, the token's
   * `channels` claim), under each channel's rules: the connection is told `new_subscription
   * {channelID, offset, epoch}` for each, then receives the channel's events. A channel the
   * client may not subscribe to is left out (nothing is sent for it). Returns the channels
   * subscribed.
   */
  async serverSubscribe(session: Session, channelIDs: string[]): Promise<string[]> {
    const fresh = channelIDs.filter((c) => !session.channels.has(c));
    if (fresh.length === 0 || !session.connected) return [];
    const { ack, afterAck } = await this.subscribeMany(session, fresh, {}, 'server');
    const done: string[] = [];
    for (const channelID of fresh) {
      const r = ack.results[channelID];
      if (!r?.ok) continue;
      done.push(channelID);
      session.send({
        name: 'new_subscription',
        payload: {
          channelID,
          ...(r.offset !== undefined ? { offset: r.offset } : {}),
          ...(r.epoch !== undefined ? { epoch: r.epoch } : {}),
        },
      });
    }
    afterAck();
    return done;
  }

  async unsubscribe(session: Session, input: unknown): Promise<void> {
    const req = parseOrThrow(unsubscribeSchema, input);
    for (const channelID of new Set(req.channels)) await this.leave(session, channelID);
  }

  /** Server-side unsubscribe (unsubscribe call, removal from the channel, channel deleted). */
  async leave(
    session: Session,
    channelID: string,
    opts: { reportPresence?: boolean } = {},
  ): Promise<boolean> {
    if (!session.channels.delete(channelID)) return false;
    this.hub.leave(channelRoom(session.appID, channelID), session);
    this.metrics.subscriptions.dec();
    if (session.presenceChannels.delete(channelID) && opts.reportPresence !== false)
      await this.leavePresence(session, channelID);
    return true;
  }

  /** Publishes for the connection (rate limit, then the one publish path). */
  async publish(session: Session, input: unknown, opts: { acked: boolean }): Promise<PublishAck> {
    const started = process.hrtime.bigint();
    if (!session.publishBucket.take()) {
      this.metrics.eventsIn.inc({ result: 'rate_limited' });
      throw new ChannelsError(ErrorCode.RateLimited, 'publish rate limit exceeded for this client');
    }
    try {
      const ack = await this.publisher.publish(session.principal, session.appID, input, {
        ...opts,
        origin: {
          deviceID: session.deviceID,
          connectionID: session.connectionID,
          transport: session.transport.protocol,
        },
      });
      this.publishedOk.inc();
      return ack;
    } catch (e) {
      this.metrics.eventsIn.inc({ result: isChannelsError(e) ? e.code : 'error' });
      throw e;
    } finally {
      this.metrics.publishAckSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  historyOf(session: Session, input: unknown): Promise<HistoryAck> {
    return this.history.read(session.principal, session.appID, input);
  }

  async presenceOf(session: Session, input: unknown): Promise<PresenceAck> {
    const req = parseOrThrow(presenceSchema, input);
    const channel = await this.access.require(session.principal, session.appID, req.channelID);
    const clientStatus = channel.presence ? await this.presence.snapshot(session.appID, req.channelID) : {};
    return { clientStatus };
  }

  async channelsOf(session: Session, input: unknown): Promise<ChannelsAck> {
    const req = parseOrThrow(channelsSchema, input ?? {});
    const page = { limit: req.limit ?? CHANNELS_PAGE_MAX, ...(req.cursor ? { cursor: req.cursor } : {}) };
    const { items, nextCursor } = isAdmin(session.principal)
      ? await this.channels.list({ appID: session.appID, private: req.kind === 'private', ...page })
      : await this.channels.pageForClient(session.appID, session.clientID, req.kind, page);
    return { channels: items, nextCursor };
  }

  /** Counts a refused call (bad requests are a metric of their own). */
  refused(e: unknown): ErrorBody {
    if (isChannelsError(e) && e.code === ErrorCode.BadRequest) this.metrics.badRequests.inc();
    return toErrorBody(e);
  }

  /**
   * Presence was turned on for a channel this connection is subscribed to: registers it and sends
   * `initial_online_status`, as a new subscriber gets.
   */
  async startPresence(session: Session, channelID: string): Promise<void> {
    if (session.channels.has(channelID)) await this.joinPresence(session, channelID);
  }

  /** Presence was turned off for a subscribed channel: the connection's presence entry is removed. */
  async stopPresence(session: Session, channelID: string): Promise<void> {
    if (!session.presenceChannels.delete(channelID)) return;
    await this.presence.leave(this.presenceEntry(session, channelID));
  }

  private async subscribeOne(
    session: Session,
    channelID: string,
    recover: { offset: number; epoch: string } | undefined,
    by: 'client' | 'server',
  ): Promise<Prepared> {
    const channel = await this.access.require(session.principal, session.appID, channelID);
    // The app's backend judges what clients ask for; what it or a token asked for is already decided.
    if (by === 'client' && !session.channels.has(channelID) && !isAdmin(session.principal))
      await this.hooks.check(session.appID, {
        hook: 'subscribe',
        appID: session.appID,
        clientID: session.clientID,
        deviceID: session.deviceID,
        connectionID: session.connectionID,
        transport: session.transport.protocol,
        channelID,
      });
    const room = channelRoom(session.appID, channelID);
    const already = session.channels.has(channelID);
    if (!already && session.channels.size >= this.options.maxChannelsPerConnection) {
      throw new ChannelsError(
        ErrorCode.TooManyChannels,
        `a connection may subscribe to at most ${this.options.maxChannelsPerConnection} channels`,
      );
    }
    this.hub.hold(room, session);
    if (!already) {
      try {
        await this.hub.join(room, session);
      } catch (e) {
        this.hub.release(room, session);
        this.hub.leave(room, session);
        throw e;
      }
      if (session.closed) {
        this.hub.release(room, session);
        this.hub.leave(room, session);
        throw new ChannelsError(ErrorCode.BadRequest, 'the connection closed');
      }
      session.channels.add(channelID);
      this.metrics.subscriptions.inc();
    }
    try {
      const prepared = await this.position(session.appID, channel, room, recover);
      if (channel.presence) await this.joinPresence(session, channelID);
      return prepared;
    } catch (e) {
      this.hub.release(room, session);
      if (!already) await this.leave(session, channelID);
      throw e;
    }
  }

  private async position(
    appID: string,
    channel: Channel,
    room: string,
    recover: { offset: number; epoch: string } | undefined,
  ): Promise<Prepared> {
    const channelID = channel.channelID;
    if (!channel.persistent) return { channelID, room, result: { ok: true }, coveredOffset: undefined };
    if (!recover) {
      const pos = await this.broker.position(appID, channelID);
      return {
        channelID,
        room,
        result: { ok: true, offset: pos.top, epoch: pos.epoch },
        coveredOffset: pos.top,
      };
    }
    const limit = this.options.recoveryMaxEvents;
    const r = await this.history.after(appID, channelID, recover.offset, limit + 1);
    // Recovered only when the answer is exactly offsets recover.offset + 1 … top, one each, in this
    // epoch: never a hole (an event trimmed from the window before it reached Postgres, retention)
    // presented as complete.
    const gapless =
      r.epoch === recover.epoch &&
      recover.offset <= r.top &&
      r.events.length <= limit &&
      r.events.length === r.top - recover.offset &&
      r.events.every((e, i) => e.offset === recover.offset + 1 + i && e.epoch === r.epoch);
    this.metrics.recoveries.inc({ result: gapless ? 'recovered' : 'not_recovered' });
    if (!gapless) {
      return {
        channelID,
        room,
        result: { ok: true, offset: r.top, epoch: r.epoch, recovered: false },
        coveredOffset: r.top,
      };
    }
    const last = r.events[r.events.length - 1]?.offset ?? recover.offset;
    return {
      channelID,
      room,
      result: { ok: true, offset: last, epoch: r.epoch, recovered: true, events: r.events },
      coveredOffset: last,
    };
  }

  private async joinPresence(session: Session, channelID: string): Promise<void> {
    if (!session.presenceChannels.has(channelID)) {
      await this.presence.join(this.presenceEntry(session, channelID));
      session.presenceChannels.add(channelID);
    }
    const clientStatus = await this.presence.snapshot(session.appID, channelID);
    session.send({ name: 'initial_online_status', payload: { channelID, clientStatus } });
  }

  private leavePresence(session: Session, channelID: string): Promise<void> {
    return this.presence.leave(this.presenceEntry(session, channelID)).catch(() => undefined);
  }

  private presenceEntry(session: Session, channelID: string) {
    return {
      appID: session.appID,
      channelID,
      clientID: session.clientID,
      connectionID: session.connectionID,
      gatewayID: this.options.gatewayID,
    };
  }

  private flushHeld(session: Session, p: Prepared): void {
    const held = this.hub.release(p.room, session, p.coveredOffset);
    if (!session.connected) return;
    let events = 0;
    for (const d of held) {
      if (d.isEvent) {
        const offset = d.offset;
        if (p.coveredOffset !== undefined && offset !== undefined && offset <= p.coveredOffset) continue;
        if (this.hub.writeTo(session, d)) events++;
      } else {
        this.hub.writeTo(session, d);
      }
    }
    if (events > 0) this.metrics.eventsOut.inc(events);
  }
}

export function toErrorBody(e: unknown): ErrorBody {
  if (isChannelsError(e)) return e.toBody();
  return { code: ErrorCode.Internal, message: 'internal error' };
}
