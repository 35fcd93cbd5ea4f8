import { Inject, Injectable } from '@nestjs/common';
import {
  type Channel,
  channelRoom,
  ChannelsError,
  ErrorCode,
  isChannelsError,
  parseOrThrow,
  type SubscribeAck,
  type SubscribeChannelResult,
  subscribeSchema,
  unsubscribeSchema,
} from '@channels/contracts';
import { ChannelAccess, HistoryService } from '@channels/messaging';
import { BROKER, type Broker, PRESENCE_TRACKER, type PresenceTracker } from '@channels/realtime';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { adapterControls } from '../socket/channel-adapter';
import type { ChannelsSocket } from '../socket/socket-types';
import type { GatewayConfig } from '../config';
import { GatewayMetrics } from '../ops/gateway-metrics';

interface Prepared {
  channelID: string;
  room: string;
  result: SubscribeChannelResult;
  /** Buffered live events at or below this offset were already covered by the result. */
  coveredOffset: number | undefined;
}

/**
 * Subscribe / unsubscribe for one connection. A subscribe joins the room first, waits until the
 * gateway's Redis subscription for it is live, holds live events while it reads the position (or
 * the recovery window), answers, then releases the held events above what the answer covered:
 * every event exactly once, in offset order, with no gap between recovery and live.
 */
@Injectable()
export class SubscriptionService {
  constructor(
    private readonly access: ChannelAccess,
    private readonly history: HistoryService,
    @Inject(BROKER) private readonly broker: Broker,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Returns the ack body and a function to call right after the ack was sent. */
  async subscribe(
    socket: ChannelsSocket,
    input: unknown,
  ): Promise<{ ack: SubscribeAck; afterAck: () => void }> {
    const req = parseOrThrow(subscribeSchema, input);
    const unique = [...new Set(req.channels)];
    const prepared: Prepared[] = [];
    const results: Record<string, SubscribeChannelResult> = {};
    for (const channelID of unique) {
      try {
        const p = await this.subscribeOne(socket, channelID, req.recover?.[channelID]);
        prepared.push(p);
        results[channelID] = p.result;
      } catch (e) {
        results[channelID] = { ok: false, error: toErrorBody(e) };
      }
    }
    const afterAck = () => {
      for (const p of prepared) this.flushHeld(socket, p);
    };
    return { ack: { results }, afterAck };
  }

  async unsubscribe(socket: ChannelsSocket, input: unknown): Promise<void> {
    const req = parseOrThrow(unsubscribeSchema, input);
    for (const channelID of new Set(req.channels)) await this.leave(socket, channelID);
  }

  /** Server-side unsubscribe (unsubscribe call, removal from the channel, channel deleted). */
  async leave(
    socket: ChannelsSocket,
    channelID: string,
    opts: { reportPresence?: boolean } = {},
  ): Promise<boolean> {
    const d = socket.data;
    if (!d.channels.delete(channelID)) return false;
    await socket.leave(channelRoom(d.appID, channelID));
    this.metrics.subscriptions.dec();
    if (d.presenceChannels.delete(channelID) && opts.reportPresence !== false) {
      await this.presence
        .leave({
          appID: d.appID,
          channelID,
          clientID: d.clientID,
          connectionID: d.connectionID,
          gatewayID: this.config.GATEWAY_ID,
        })
        .catch(() => undefined);
    }
    return true;
  }

  /** Presence leaves for every presence channel of a closing connection. */
  async disconnected(socket: ChannelsSocket, reportPresence: boolean): Promise<void> {
    const d = socket.data;
    if (!d?.channels) return;
    this.metrics.subscriptions.dec(d.channels.size);
    if (reportPresence) {
      await Promise.all(
        [...d.presenceChannels].map((channelID) =>
          this.presence
            .leave({
              appID: d.appID,
              channelID,
              clientID: d.clientID,
              connectionID: d.connectionID,
              gatewayID: this.config.GATEWAY_ID,
            })
            .catch(() => undefined),
        ),
      );
    }
    d.channels.clear();
    d.presenceChannels.clear();
  }

  private async subscribeOne(
    socket: ChannelsSocket,
    channelID: string,
    recover: { offset: number; epoch: string } | undefined,
  ): Promise<Prepared> {
    const d = socket.data;
    const channel = await this.access.require(d.principal, d.appID, channelID);
    const room = channelRoom(d.appID, channelID);
    const already = d.channels.has(channelID);
    if (!already && d.channels.size >= this.config.MAX_CHANNELS_PER_CONNECTION) {
      throw new ChannelsError(
        ErrorCode.TooManyChannels,
        `a connection may subscribe to at most ${this.config.MAX_CHANNELS_PER_CONNECTION} channels`,
      );
    }
    const controls = adapterControls(socket.nsp);
    if (!already) {
      controls.hold(room, socket.id);
      try {
        await socket.join(room);
        await controls.roomReady(room);
      } catch (e) {
        controls.release(room, socket.id);
        await socket.leave(room);
        throw e;
      }
      d.channels.add(channelID);
      this.metrics.subscriptions.inc();
    } else {
      controls.hold(room, socket.id);
    }
    try {
      const prepared = await this.position(d.appID, channel, room, recover);
      if (channel.presence) await this.joinPresence(socket, channelID);
      return prepared;
    } catch (e) {
      controls.release(room, socket.id);
      if (!already) await this.leave(socket, channelID);
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
    if (!channel.persistent) {
      return { channelID, room, result: { ok: true }, coveredOffset: undefined };
    }
    if (!recover) {
      const pos = await this.broker.position(appID, channelID);
      return {
        channelID,
        room,
        result: { ok: true, offset: pos.top, epoch: pos.epoch },
        coveredOffset: pos.top,
      };
    }
    const limit = this.config.RECOVERY_MAX_EVENTS;
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

  /**
   * Presence was turned on for a channel this connection is subscribed to: registers it and sends
   * `initial_online_status`, as a new subscriber gets.
   */
  async startPresence(socket: ChannelsSocket, channelID: string): Promise<void> {
    if (socket.data.channels.has(channelID)) await this.joinPresence(socket, channelID);
  }

  /** Presence was turned off for a subscribed channel: the connection's presence entry is removed. */
  async stopPresence(socket: ChannelsSocket, channelID: string): Promise<void> {
    const d = socket.data;
    if (!d.presenceChannels.delete(channelID)) return;
    await this.presence.leave({
      appID: d.appID,
      channelID,
      clientID: d.clientID,
      connectionID: d.connectionID,
      gatewayID: this.config.GATEWAY_ID,
    });
  }

  private async joinPresence(socket: ChannelsSocket, channelID: string): Promise<void> {
    const d = socket.data;
    if (!d.presenceChannels.has(channelID)) {
      await this.presence.join({
        appID: d.appID,
        channelID,
        clientID: d.clientID,
        connectionID: d.connectionID,
        gatewayID: this.config.GATEWAY_ID,
      });
      d.presenceChannels.add(channelID);
    }
    const clientStatus = await this.presence.snapshot(d.appID, channelID);
    socket.emit('initial_online_status', { channelID, clientStatus });
  }

  private flushHeld(socket: ChannelsSocket, p: Prepared): void {
    const held = adapterControls(socket.nsp).release(p.room, socket.id, p.coveredOffset);
    if (!socket.connected) return;
    let events = 0;
    for (const packet of held) {
      const [event, payload] = packet as [string, { offset?: number } | undefined];
      if (event === 'event') {
        if (
          p.coveredOffset !== undefined &&
          payload?.offset !== undefined &&
          payload.offset <= p.coveredOffset
        )
          continue;
        events++;
      }
      (socket.emit as (ev: string, ...args: unknown[]) => boolean)(event, payload);
    }
    if (events > 0) this.metrics.eventsOut.inc(events);
  }
}

export function toErrorBody(e: unknown): { code: ErrorCode; message: string } {
  if (isChannelsError(e)) return e.toBody();
  return { code: ErrorCode.Internal, message: 'internal error' };
}
