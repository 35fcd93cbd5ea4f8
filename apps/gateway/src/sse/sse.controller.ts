import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Controller,
  Get,
  Inject,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Req,
  Res,
} from '@nestjs/common';
import { LifecycleService, SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelsError, ErrorCode, isChannelsError } from '@channels/contracts';
import { ChannelHub, RealtimeCore, Session, type SessionInit, TokenExpiry } from '@channels/messaging';
import type { GatewayConfig } from '../config';
import { Admission, type Credentials } from '../core/admission.service';
import { GatewayMetrics } from '../ops/gateway-metrics';
import { SSE, sseCodec, SseTransport } from './sse-transport';
import { type ChannelPosition, decodePosition } from './stream-position';

interface Stream {
  session: Session;
  transport: SseTransport;
}

/**
 * Server-Sent Events (protocol §5.2): `GET /sse?channel=…&channel=…`, a thin transport over the
 * realtime core — the same admission, access rules, recovery, presence, limits and fan-out as the
 * other transports, read-only (clients publish over HTTP).
 *
 * A stream answers each refused channel with `subscribe_error` and streams the rest; every stored
 * event carries an `id:` with the stream's position in all its channels, and `ready` carries it
 * once subscribed, so a reconnect with `Last-Event-ID` (or `lastEventId`) gets every missed event
 * of every channel once, in order, then live — or `recovery_failed` for a channel where that is
 * impossible. Comment heartbeats every `SSE_HEARTBEAT_MS`; a stream whose reader falls behind by
 * `MAX_OUTBOUND_BUFFER_BYTES` is ended (the slow-consumer guard) and resumes with its last id.
 */
@Controller()
export class SseController implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SseController.name);
  private readonly streams = new Set<Stream>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly lifecycle: LifecycleService,
    private readonly admission: Admission,
    private readonly core: RealtimeCore,
    private readonly hub: ChannelHub,
    private readonly expiry: TokenExpiry,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.hub.addCodec(sseCodec);
    this.timer = setInterval(() => {
      for (const s of this.streams) s.transport.heartbeat();
    }, this.config.SSE_HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.streams) s.transport.close('reconnect');
  }

  @Get('sse')
  async stream(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    // Pages on other origins read streams too (as socket.io's CORS allows): the origin is echoed.
    const origin = header(req, 'origin');
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (this.lifecycle.isShuttingDown) {
      fail(res, new ChannelsError(ErrorCode.Unavailable, 'this gateway is shutting down; reconnect'));
      return;
    }
    const channels = query.getAll('channel');
    let init: SessionInit;
    try {
      init = await this.admission.admit(credentials(req, query));
    } catch (e) {
      this.metrics.handshakeRefusals.inc({ code: isChannelsError(e) ? e.code : ErrorCode.Unavailable });
      if (!isChannelsError(e)) this.logger.warn(`/sse refused as unavailable: ${String(e)}`);
      fail(res, e);
      return;
    }
    let positions: (ChannelPosition | undefined)[];
    try {
      if (channels.length === 0)
        throw new ChannelsError(ErrorCode.BadRequest, 'at least one channel parameter is required');
      if (channels.some((c) => c.length === 0 || c.length > 200))
        throw new ChannelsError(ErrorCode.BadRequest, 'a channel parameter must hold 1-200 characters');
      const last = header(req, 'last-event-id') ?? query.get('lastEventId') ?? undefined;
      positions = last ? decodePosition(last, channels.length) : channels.map(() => undefined);
    } catch (e) {
      this.admission.left(init);
      fail(res, e);
      return;
    }
    if (req.destroyed) {
      this.admission.left(init);
      return;
    }
    await this.open(req, res, init, channels, positions);
  }

  private async open(
    req: IncomingMessage,
    res: ServerResponse,
    init: SessionInit,
    channels: string[],
    positions: (ChannelPosition | undefined)[],
  ): Promise<void> {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx: do not buffer this response.
      'X-Accel-Buffering': 'no',
    });
    // A write racing the end of the connection must not become an unhandled 'error'.
    res.on('error', () => undefined);
    res.write('retry: 1000\n\n');
    res.socket?.setNoDelay(true);
    const transport = new SseTransport(res, channels, [...positions]);
    const session = new Session(init, transport);
    const stream: Stream = { session, transport };
    this.streams.add(stream);
    this.metrics.connectionsChanged(SSE, 1);
    this.core.open(session);
    this.expiry.track(session);
    let closed = false;
    const onClose = () => {
      if (closed) return;
      closed = true;
      this.streams.delete(stream);
      this.expiry.untrack(session);
      this.metrics.connectionsChanged(SSE, -1);
      this.admission.left(session);
      void this.core.closed(session, !this.lifecycle.isShuttingDown);
    };
    req.on('close', onClose);
    res.on('close', onClose);

    const unique = [...new Set(channels)];
    const recover: Record<string, ChannelPosition> = {};
    channels.forEach((ch, i) => {
      const p = positions[i];
      if (p && !(ch in recover)) recover[ch] = p;
    });
    const { ack, afterAck } = await this.core.subscribeMany(session, unique, recover);
    if (!transport.open) {
      afterAck();
      return;
    }
    for (const channelID of unique) {
      const r = ack.results[channelID];
      if (!r?.ok) {
        transport.sendMessage('subscribe_error', { channelID, error: r?.error });
        continue;
      }
      if (r.recovered === false) {
        transport.sendMessage('recovery_failed', { channelID, epoch: r.epoch });
      }
      for (const e of r.events ?? []) transport.sendEvent(e);
      if (r.offset !== undefined && r.epoch !== undefined)
        transport.setPosition(channelID, { offset: r.offset, epoch: r.epoch });
    }
    transport.sendWithId('ready', {
      appID: session.appID,
      clientID: session.clientID,
      deviceID: session.deviceID,
      connectionID: session.connectionID,
      channels: Object.fromEntries(
        unique.map((ch) => {
          const r = ack.results[ch];
          return [ch, r?.ok ? { offset: r.offset, epoch: r.epoch } : { error: r?.error }];
        }),
      ),
      ...(session.expiresAt !== undefined ? { expiresAt: session.expiresAt } : {}),
    });
    afterAck();
    await this.core.ready(session);
  }
}

const str = (v: string | null | undefined): string | undefined => (v ? v : undefined);
const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return str(Array.isArray(v) ? v[0] : v);
};

/**
 * An SSE request's credentials: the `Authorization` header (a raw JWT or `Bearer <jwt>`), or the
 * `token` query parameter (browsers' EventSource cannot set headers); `AppID` / `appID`,
 * `DeviceID` / `deviceID` alike. Headers win.
 */
function credentials(req: IncomingMessage, query: URLSearchParams): Credentials {
  const token = header(req, 'authorization') ?? str(query.get('token')) ?? str(query.get('Authorization'));
  return {
    token: token?.startsWith('Bearer ') ? token.slice(7).trim() : token,
    appID: header(req, 'appid') ?? str(query.get('appID')) ?? str(query.get('AppID')),
    deviceID: header(req, 'deviceid') ?? str(query.get('deviceID')) ?? str(query.get('DeviceID')),
    transport: 'sse',
  };
}

/** Answers a refused stream with the HTTP error body (`{"error": {code, message}}`), no stream. */
function fail(res: ServerResponse, e: unknown): void {
  const error = isChannelsError(e)
    ? e
    : new ChannelsError(ErrorCode.Unavailable, 'a storage dependency is unavailable; retry shortly');
  const body = JSON.stringify({ error: error.toBody() });
  res.writeHead(error.httpStatus, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
