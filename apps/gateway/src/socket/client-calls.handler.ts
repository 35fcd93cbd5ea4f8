import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type Ack,
  ChannelsError,
  CHANNELS_PAGE_MAX,
  channelsSchema,
  ErrorCode,
  isChannelsError,
  parseOrThrow,
  presenceSchema,
} from '@channels/contracts';
import { ChannelRepository } from '@channels/db';
import { ChannelAccess, HistoryService, PublishService } from '@channels/messaging';
import { PRESENCE_TRACKER, type PresenceTracker } from '@channels/realtime';
import { isAdmin } from '@channels/auth';
import { GatewayMetrics } from '../ops/gateway-metrics';
import { SubscriptionService, toErrorBody } from '../subscriptions/subscription.service';
import type { ChannelsSocket } from './socket-types';
import { TokenExpiry } from './token-expiry.service';

type AnyAck = (response: Ack<object>) => void;
const CALLS = new Set(['subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'channels', 'refresh']);

/**
 * The thin transport: each client call is validated, handed to one service method, and answered
 * through its acknowledgement (`{ok:true,…}` or `{ok:false,error}`). A malformed call is answered
 * `bad_request` and the connection lives on; nothing a client sends can throw out of here.
 */
@Injectable()
export class ClientCallsHandler {
  private readonly logger = new Logger(ClientCallsHandler.name);
  /** The counter child of the common outcome, bound once (labelled inc() hashes labels per call). */
  private readonly publishedOk: { inc(): void };

  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly publisher: PublishService,
    private readonly history: HistoryService,
    private readonly access: ChannelAccess,
    private readonly channels: ChannelRepository,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
    private readonly metrics: GatewayMetrics,
    private readonly expiry: TokenExpiry,
  ) {
    this.publishedOk = metrics.eventsIn.labels({ result: 'ok' });
  }

  bind(socket: ChannelsSocket): void {
    const on = (event: string, fn: (payload: unknown, ack: AnyAck | undefined) => Promise<void>) =>
      (socket.on as (ev: string, l: (...args: unknown[]) => void) => void)(event, (...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AnyAck) : undefined;
        fn(args[0], ack).catch((e: unknown) => this.fail(ack, e));
      });

    on('subscribe', async (payload, ack) => {
      const { ack: body, afterAck } = await this.subscriptions.subscribe(socket, payload);
      this.reply(ack, body);
      afterAck();
    });
    on('unsubscribe', async (payload, ack) => {
      await this.subscriptions.unsubscribe(socket, payload);
      this.reply(ack, {});
    });
    on('publish', async (payload, ack) => {
      const started = process.hrtime.bigint();
      if (!socket.data.publishBucket.take()) {
        this.metrics.eventsIn.inc({ result: 'rate_limited' });
        throw new ChannelsError(ErrorCode.RateLimited, 'publish rate limit exceeded for this client');
      }
      try {
        const body = await this.publisher.publish(socket.data.principal, socket.data.appID, payload, {
          acked: ack !== undefined,
        });
        this.publishedOk.inc();
        this.reply(ack, body);
      } catch (e) {
        this.metrics.eventsIn.inc({ result: isChannelsError(e) ? e.code : 'error' });
        throw e;
      } finally {
        this.metrics.publishAckSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
    on('history', async (payload, ack) => {
      this.reply(ack, await this.history.read(socket.data.principal, socket.data.appID, payload));
    });
    on('presence', async (payload, ack) => {
      const req = parseOrThrow(presenceSchema, payload);
      const channel = await this.access.require(socket.data.principal, socket.data.appID, req.channelID);
      const clientStatus = channel.presence
        ? await this.presence.snapshot(socket.data.appID, req.channelID)
        : {};
      this.reply(ack, { clientStatus });
    });
    on('channels', async (payload, ack) => {
      const req = parseOrThrow(channelsSchema, payload ?? {});
      const d = socket.data;
      const page = { limit: req.limit ?? CHANNELS_PAGE_MAX, ...(req.cursor ? { cursor: req.cursor } : {}) };
      const { items, nextCursor } = isAdmin(d.principal)
        ? await this.channels.list({ appID: d.appID, private: req.kind === 'private', ...page })
        : await this.channels.pageForClient(d.appID, d.clientID, req.kind, page);
      this.reply(ack, { channels: items, nextCursor });
    });
    on('refresh', async (payload, ack) => {
      this.reply(ack, await this.expiry.refresh(socket, payload));
    });
    socket.onAny((event: string, ...args: unknown[]) => {
      if (CALLS.has(event)) return;
      const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as AnyAck) : undefined;
      this.fail(
        ack,
        new ChannelsError(
          ErrorCode.BadRequest,
          `unknown event ${JSON.stringify(String(event).slice(0, 50))}`,
        ),
      );
    });
  }

  async disconnected(socket: ChannelsSocket, reportPresence: boolean): Promise<void> {
    await this.subscriptions.disconnected(socket, reportPresence);
  }

  private reply(ack: AnyAck | undefined, body: object): void {
    ack?.({ ok: true, ...body });
  }

  private fail(ack: AnyAck | undefined, e: unknown): void {
    if (isChannelsError(e)) {
      if (e.code === ErrorCode.BadRequest) this.metrics.badRequests.inc();
    } else {
      this.logger.error(`client call failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
    ack?.({ ok: false, error: toErrorBody(e) });
  }
}
