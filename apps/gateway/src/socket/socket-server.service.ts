import { randomBytes } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LifecycleService, SERVICE_CONFIG } from '@channels/bootstrap';
import { isChannelsError } from '@channels/contracts';
import { ChannelHub, RealtimeCore, Session, TokenExpiry } from '@channels/messaging';
import { adapterChannelPrefix } from '@channels/realtime';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient, type RedisClientType } from 'redis';
import { Server } from 'socket.io';
import type { GatewayConfig } from '../config';
import { Admission } from '../core/admission.service';
import { GatewayMetrics } from '../ops/gateway-metrics';
import { batchWebSocketWrites } from './batched-writes';
import { ClientCallsHandler } from './client-calls.handler';
import { handshakeRefusal, socketIoCredentials } from './handshake-auth';
import type { ChannelsServer, ChannelsSocket } from './socket-types';
import { SOCKET_IO, socketIoCodec, SocketIoTransport } from './socket-io-transport';

/**
 * The socket.io transport: attaches socket.io to the HTTP server, admits handshakes (`Admission`:
 * a dependency that fails or hangs past `HANDSHAKE_TIMEOUT_MS` is the retryable `unavailable`,
 * never `unauthorized`), gives each connection a session in the realtime core and hands every
 * client call to `ClientCallsHandler`. Channel events reach its sockets through the core's
 * `ChannelHub` (one Redis subscription per channel for every transport); socket.io's own Redis
 * adapter (sharded, dynamic) serves only server-side emits, so sockets join no Redis-backed rooms.
 * Engine session ids start with `<GATEWAY_ID>.` so a front door can route long-polling requests
 * back to this replica.
 */
@Injectable()
export class SocketServer implements OnApplicationShutdown {
  private readonly logger = new Logger(SocketServer.name);
  private io?: ChannelsServer;
  private pub?: RedisClientType;
  private sub?: RedisClientType;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly lifecycle: LifecycleService,
    private readonly admission: Admission,
    private readonly calls: ClientCallsHandler,
    private readonly metrics: GatewayMetrics,
    private readonly core: RealtimeCore,
    private readonly hub: ChannelHub,
    private readonly expiry: TokenExpiry,
  ) {}

  get server(): ChannelsServer {
    if (!this.io) throw new Error('socket server not started');
    return this.io;
  }

  async start(): Promise<void> {
    const c = this.config;
    this.hub.addCodec(socketIoCodec);
    this.pub = createClient({ url: c.REDIS_URL }) as RedisClientType;
    this.sub = this.pub.duplicate() as RedisClientType;
    for (const client of [this.pub, this.sub]) {
      client.on('error', (e: Error) => this.logger.warn(`redis adapter connection: ${e.message}`));
    }
    await Promise.all([this.pub.connect(), this.sub.connect()]);

    const io: ChannelsServer = new Server({
      pingInterval: c.PING_INTERVAL_MS,
      pingTimeout: c.PING_TIMEOUT_MS,
      maxHttpBufferSize: c.MAX_FRAME_BYTES,
      cors: { origin: true, credentials: true },
      serveClient: false,
      // Other upgrades (`/optimized`) are answered by their own transport, after async lookups.
      destroyUpgrade: false,
      allowRequest: (_req, cb) =>
        cb(this.lifecycle.isShuttingDown ? 'server is shutting down' : null, !this.lifecycle.isShuttingDown),
      adapter: createShardedAdapter(this.pub, this.sub, {
        channelPrefix: adapterChannelPrefix(c.REDIS_KEY_PREFIX),
        subscriptionMode: 'dynamic',
      }) as never,
    });

    io.use((socket, next) => {
      this.admission
        .admit(socketIoCredentials(socket))
        .then((init) => {
          socket.data = { session: new Session(init, new SocketIoTransport(socket as ChannelsSocket)) };
          next();
          // socket.io drops a socket whose transport closed during the handshake without a
          // `disconnect` (its check runs on the tick queued by next()): give its slot back.
          process.nextTick(() => {
            if (!socket.connected) this.admission.left(init);
          });
        })
        .catch((e: unknown) => {
          const refusal = handshakeRefusal(e);
          this.metrics.handshakeRefusals.inc({ code: refusal.message });
          if (!isChannelsError(e)) this.logger.warn(`handshake refused as unavailable: ${String(e)}`);
          next(refusal);
        });
    });
    io.on('connection', (socket) => this.onConnection(socket));
    io.attach(this.adapterHost.httpAdapter.getHttpServer() as HttpServer);
    batchWebSocketWrites(io);
    (io.engine as unknown as { generateId: () => string }).generateId = () =>
      `${c.GATEWAY_ID}.${randomBytes(15).toString('base64url')}`;
    this.io = io;
  }

  private onConnection(socket: ChannelsSocket): void {
    const session = socket.data.session;
    this.metrics.connectionsChanged(SOCKET_IO, 1);
    this.core.open(session);
    this.calls.bind(socket, session);
    this.expiry.track(session);
    socket.on('disconnect', () => {
      this.expiry.untrack(session);
      this.metrics.connectionsChanged(SOCKET_IO, -1);
      this.admission.left(session);
      void this.core.closed(session, !this.lifecycle.isShuttingDown);
    });
    socket.emit('ready', {
      appID: session.appID,
      clientID: session.clientID,
      deviceID: session.deviceID,
      connectionID: session.connectionID,
      ...(session.expiresAt !== undefined ? { expiresAt: session.expiresAt } : {}),
    });
    this.core.ready(session).catch((e: unknown) => this.logger.warn(`token channels: ${String(e)}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.io) {
      await new Promise<void>((resolve) => this.io?.close(() => resolve()));
    }
    await Promise.all([this.pub?.quit().catch(() => undefined), this.sub?.quit().catch(() => undefined)]);
  }
}
