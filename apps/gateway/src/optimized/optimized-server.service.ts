import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LifecycleService, SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelsError, ErrorCode, isChannelsError, OptimizedWire } from '@channels/contracts';
import { ChannelHub, RealtimeCore, Session, type SessionInit, TokenExpiry } from '@channels/messaging';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { GatewayConfig } from '../config';
import { Admission, type Credentials } from '../core/admission.service';
import { GatewayMetrics } from '../ops/gateway-metrics';
import { ackBytes, OPTIMIZED, optimizedCodec } from './optimized-codec';
import { OptimizedTransport } from './optimized-transport';

const T = OptimizedWire.NewEventType;
export const OPTIMIZED_PATH = '/optimized';

interface Connection {
  session: Session;
  transport: OptimizedTransport;
  ws: WebSocket;
  /** When the next ping is due (unix ms). */
  nextPing: number;
  /** Since when a ping waits for its pong (undefined: none outstanding). */
  awaitingSince: number | undefined;
  /** The connection is over for the core (closed, or being closed by the server). */
  ended: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * The original product's binary protocol at `/optimized` (../docs/optimized-protocol.md): a plain
 * WebSocket of protobuf `NewEvent` frames, a thin transport over the realtime core — the same
 * admission, access rules, limits, presence and fan-out as socket.io.
 *
 * - The handshake is admitted before the upgrade: a missing or invalid token, or one that may not
 *   use `AppID`, is answered 401 (a full connection cap 429, an unreachable dependency 503) and the
 *   socket closed; nothing else happens.
 * - `SUBSCRIBE` → `subscribe` (`INITIAL_ONLINE_STATUS` first on a presence channel, then `ACK`);
 *   `PUBLISH` with `ID != 0` → an acknowledged (stored) publish answered `ACK {replyTo: ID}`; with
 *   `ID == 0` → live only, no answer. Text frames, frames that are not a `NewEvent`, unknown types
 *   and the server's own types are ignored; a request that decodes but is refused gets `ACK
 *   status:false` (a PUBLISH with ID 0 gets nothing). Frames over `MAX_FRAME_BYTES` close that
 *   connection only (1009), as `ws` does.
 * - Pings right away and every `OPTIMIZED_PING_INTERVAL_MS`; a connection that answered no ping for
 *   `OPTIMIZED_PONG_WAIT_MS` is terminated. One timer walks every connection.
 */
@Injectable()
export class OptimizedServer implements OnApplicationShutdown {
  private readonly logger = new Logger(OptimizedServer.name);
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly lifecycle: LifecycleService,
    private readonly admission: Admission,
    private readonly core: RealtimeCore,
    private readonly hub: ChannelHub,
    private readonly expiry: TokenExpiry,
    private readonly metrics: GatewayMetrics,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  start(): void {
    this.hub.addCodec(optimizedCodec);
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (pathOf(req.url) !== OPTIMIZED_PATH) return;
      this.upgrade(req, socket, head);
    });
    const tick = Math.max(50, Math.min(1_000, this.config.OPTIMIZED_PING_INTERVAL_MS / 2));
    this.timer = setInterval(() => this.heartbeat(), tick);
    this.timer.unref();
  }

  /** Connections open on this transport. */
  get size(): number {
    return this.connections.size;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Not a closure: a listener created in this scope would share its context and keep `req` (the
    // handshake's headers and URL, token included) and `head` alive for as long as the socket.
    socket.on('error', ignoreError);
    if (this.lifecycle.isShuttingDown) {
      refuse(socket, 503);
      return;
    }
    this.admission
      .admit(credentials(req))
      .then((init) => {
        if (socket.destroyed || this.lifecycle.isShuttingDown) {
          this.admission.left(init);
          if (!socket.destroyed) refuse(socket, 503);
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, init));
      })
      .catch((e: unknown) => {
        const status = isChannelsError(e) ? e.httpStatus : 503;
        this.metrics.handshakeRefusals.inc({
          code: isChannelsError(e) ? e.code : ErrorCode.Unavailable,
        });
        if (!isChannelsError(e))
          this.logger.warn(`/optimized handshake refused as unavailable: ${String(e)}`);
        refuse(socket, status, isChannelsError(e) ? e : undefined);
      });
  }

  private onConnection(ws: WebSocket, init: SessionInit): void {
    const transport = new OptimizedTransport(ws, () => this.ended(c));
    const session = new Session(init, transport);
    const now = Date.now();
    const c: Connection = { session, transport, ws, nextPing: now, awaitingSince: undefined, ended: false };
    this.connections.add(c);
    this.metrics.connectionsChanged(OPTIMIZED, 1);
    this.core.open(session);
    this.expiry.track(session);
    ws.on('pong', () => (c.awaitingSince = undefined));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary || c.ended) return; // text frames are ignored
      this.onFrame(c, toBuffer(data)).catch((e: unknown) =>
        this.logger.error(`/optimized frame failed: ${e instanceof Error ? e.stack : String(e)}`),
      );
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.connections.delete(c);
      this.ended(c);
    });
    this.ping(c, now);
    this.core.ready(session).catch((e: unknown) => this.logger.warn(`token channels: ${String(e)}`));
  }

  /** Once per connection, when it closes or the server starts closing it. */
  private ended(c: Connection): void {
    if (c.ended) return;
    c.ended = true;
    this.expiry.untrack(c.session);
    this.metrics.connectionsChanged(OPTIMIZED, -1);
    this.admission.left(c.session);
    void this.core.closed(c.session, !this.lifecycle.isShuttingDown);
  }

  private async onFrame(c: Connection, data: Buffer): Promise<void> {
    let frame: OptimizedWire.NewEvent;
    try {
      frame = OptimizedWire.decodeNewEvent(data);
    } catch {
      this.metrics.badRequests.inc();
      return; // not a NewEvent: nothing to answer
    }
    if (frame.type === T.SUBSCRIBE) {
      let req: OptimizedWire.SubscribeRequest;
      try {
        req = OptimizedWire.decodeSubscribeRequest(frame.payload);
      } catch {
        this.metrics.badRequests.inc();
        return;
      }
      await this.subscribe(c, req);
    } else if (frame.type === T.PUBLISH) {
      let req: OptimizedWire.PublishRequest;
      try {
        req = OptimizedWire.decodePublishRequest(frame.payload);
      } catch {
        this.metrics.badRequests.inc();
        return;
      }
      await this.publish(c, req);
    } else {
      this.metrics.badRequests.inc(); // unknown types and the server's own are ignored
    }
  }

  private async subscribe(c: Connection, req: OptimizedWire.SubscribeRequest): Promise<void> {
    let ok = false;
    let afterAck = () => undefined as void;
    try {
      if (!req.channelID) throw new ChannelsError(ErrorCode.BadRequest, 'channelID is required');
      const outcome = await this.core.subscribeMany(c.session, [req.channelID]);
      ok = outcome.ack.results[req.channelID]?.ok === true;
      afterAck = outcome.afterAck;
    } catch (e) {
      this.core.refused(e);
    }
    c.transport.sendBytes(ackBytes(req.ID, ok));
    afterAck();
  }

  private async publish(c: Connection, req: OptimizedWire.PublishRequest): Promise<void> {
    const acked = req.ID !== 0;
    let ok = false;
    try {
      await this.core.publish(
        c.session,
        { channelID: req.channelID, eventType: req.eventType, payload: req.payload },
        { acked },
      );
      ok = true;
    } catch (e) {
      this.core.refused(e);
    }
    if (acked) c.transport.sendBytes(ackBytes(req.ID, ok));
  }

  private heartbeat(now = Date.now()): void {
    const wait = this.config.OPTIMIZED_PONG_WAIT_MS;
    for (const c of this.connections) {
      if (c.awaitingSince !== undefined && now - c.awaitingSince > wait) {
        c.ws.terminate();
        continue;
      }
      if (now >= c.nextPing) this.ping(c, now);
    }
  }

  private ping(c: Connection, now: number): void {
    c.nextPing = now + this.config.OPTIMIZED_PING_INTERVAL_MS;
    c.awaitingSince ??= now;
    try {
      c.ws.ping();
    } catch {
      // closing: the close handler cleans up
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.connections) c.ws.terminate();
  }
}

function ignoreError(): void {
  // the connection's own close handling (or the refused socket's end) does the rest
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The credentials of an `/optimized` handshake: headers `Authorization`, `AppID`, `DeviceID`, or
 * the query parameters of the same names (browsers cannot set headers); headers win. The token is
 * the raw JWT; a `Bearer ` prefix is accepted.
 */
export function credentials(req: IncomingMessage): Credentials {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const h = req.headers;
  const token = str(h['authorization']) ?? str(query.get('Authorization'));
  return {
    token: token?.startsWith('Bearer ') ? token.slice(7).trim() : token,
    appID: str(h['appid']) ?? str(query.get('AppID')),
    deviceID: str(h['deviceid']) ?? str(query.get('DeviceID')),
    transport: OPTIMIZED,
  };
}

/** Refuses an upgrade with a plain HTTP answer: the product error (`denied` with the backend's reason…) when known. */
function refuse(socket: Duplex, status: number, e?: ChannelsError): void {
  const text = STATUS_TEXT[status] ?? 'Error';
  const body = JSON.stringify({ error: e ? { code: e.code, message: e.message } : text });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
