import { randomBytes, randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TokenVerifier, type VerifiedToken } from '@channels/auth';
import { LifecycleService, SERVICE_CONFIG } from '@channels/bootstrap';
import { appRoom, ChannelsError, clientRoom, ErrorCode, isChannelsError } from '@channels/contracts';
import { AppRepository } from '@channels/db';
import { TokenRevocations } from '@channels/messaging';
import { adapterChannelPrefix } from '@channels/realtime';
import { createClient, type RedisClientType } from 'redis';
import { Server } from 'socket.io';
import type { GatewayConfig } from '../config';
import { ConnectionLimits } from '../ops/connection-limits.service';
import { GatewayMetrics } from '../ops/gateway-metrics';
import type { TokenBucket } from '../ops/token-bucket';
import { batchWebSocketWrites } from './batched-writes';
import { ClientCallsHandler } from './client-calls.handler';
import { createChannelAdapter } from './channel-adapter';
import { authenticateHandshake, handshakeRefusal, withDeadline } from './handshake-auth';
import type { ChannelsServer, ChannelsSocket } from './socket-types';
import { TokenExpiry } from './token-expiry.service';

const APP_CACHE_MS = 5_000;

/**
 * Owns the socket.io server: attaches it to the HTTP server, wires the sharded Redis adapter
 * (node-redis clients, as the adapter documents for sharded mode), authenticates handshakes
 * (token, app, connection caps — a dependency that fails or hangs past `HANDSHAKE_TIMEOUT_MS` is
 * the retryable `unavailable`, never `unauthorized`), and hands every client call to
 * `ClientCallsHandler`. Engine session ids start with `<GATEWAY_ID>.`
 * so a front door can route long-polling requests back to this replica.
 */
@Injectable()
export class SocketServer implements OnApplicationShutdown {
  private readonly logger = new Logger(SocketServer.name);
  private io?: ChannelsServer;
  private pub?: RedisClientType;
  private sub?: RedisClientType;
  private readonly knownApps = new Map<string, number>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly lifecycle: LifecycleService,
    private readonly apps: AppRepository,
    private readonly calls: ClientCallsHandler,
    private readonly metrics: GatewayMetrics,
    private readonly verifier: TokenVerifier,
    private readonly revocations: TokenRevocations,
    private readonly expiry: TokenExpiry,
    private readonly limits: ConnectionLimits,
  ) {}

  get server(): ChannelsServer {
    if (!this.io) throw new Error('socket server not started');
    return this.io;
  }

  async start(): Promise<void> {
    const c = this.config;
    this.pub = createClient({ url: c.REDIS_URL }) as RedisClientType;
    this.sub = this.pub.duplicate({ name: adapterSubscriberName(c.GATEWAY_ID) }) as RedisClientType;
    for (const client of [this.pub, this.sub]) {
      client.on('error', (e: Error) => this.logger.warn(`redis adapter connection: ${e.message}`));
    }
    await Promise.all([this.pub.connect(), this.sub.connect(), this.limits.start()]);
    // The subscriber connection was lost: node-redis subscribes again when it is back, but what
    // was published meanwhile never reached this gateway, and its subscribers cannot know. Their
    // connections are closed so that they reconnect and recover from their last offsets, as after
    // a gateway crash — never a silent gap.
    let lost = false;
    this.sub.on('end', () => (lost = true));
    this.sub.on('reconnecting', () => (lost = true));
    this.sub.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.closeForRecovery();
    });

    const io: ChannelsServer = new Server({
      pingInterval: c.PING_INTERVAL_MS,
      pingTimeout: c.PING_TIMEOUT_MS,
      maxHttpBufferSize: c.MAX_FRAME_BYTES,
      cors: { origin: true, credentials: true },
      serveClient: false,
      allowRequest: (_req, cb) =>
        cb(this.lifecycle.isShuttingDown ? 'server is shutting down' : null, !this.lifecycle.isShuttingDown),
      adapter: createChannelAdapter(this.pub, this.sub, adapterChannelPrefix(c.REDIS_KEY_PREFIX), (n) =>
        this.metrics.eventsOut.inc(n),
      ) as never,
    });

    io.use((socket, next) => {
      this.authenticate(socket as ChannelsSocket)
        .then(() => {
          next();
          // socket.io drops a socket whose transport closed during the handshake without a
          // `disconnect` (its check runs on the tick queued by next()): give its slot back.
          process.nextTick(() => {
            if (!socket.connected) this.limits.left(socket.data.appID, socket.data.clientID);
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

  private async authenticate(socket: ChannelsSocket): Promise<void> {
    const id = authenticateHandshake(socket, this.verifier);
    const { appID } = id;
    const { clientID } = id.principal;
    const publishBucket = await withDeadline(
      this.admit(appID, clientID, id.token),
      this.config.HANDSHAKE_TIMEOUT_MS,
      () => this.limits.left(appID, clientID),
    );
    socket.data = {
      principal: id.principal,
      appID,
      clientID,
      deviceID: id.deviceID ?? randomUUID(),
      connectionID: randomUUID(),
      channels: new Set(),
      presenceChannels: new Set(),
      publishBucket,
      ...(id.token.issuedAt !== undefined ? { issuedAt: id.token.issuedAt } : {}),
      ...(id.token.expiresAt !== undefined ? { expiresAt: id.token.expiresAt } : {}),
    };
  }

  /** The lookups of a handshake: the app exists, the token is not revoked, the connection caps have room. */
  private async admit(appID: string, clientID: string, token: VerifiedToken): Promise<TokenBucket> {
    if (!(await this.appExists(appID))) throw new ChannelsError(ErrorCode.Unauthorized, 'unknown app');
    await this.revocations.check(token);
    return this.limits.admit(appID, clientID);
  }

  private async appExists(appID: string): Promise<boolean> {
    const until = this.knownApps.get(appID);
    if (until && until > Date.now()) return true;
    const exists = await this.apps.exists(appID);
    if (exists) this.knownApps.set(appID, Date.now() + APP_CACHE_MS);
    return exists;
  }

  forgetApp(appID: string): void {
    this.knownApps.delete(appID);
  }

  /** Whether `appID` still exists, asked of the database (not of the cache). */
  async appStillExists(appID: string): Promise<boolean> {
    this.forgetApp(appID);
    return this.appExists(appID);
  }

  private onConnection(socket: ChannelsSocket): void {
    const d = socket.data;
    this.metrics.connections.inc();
    void socket.join([clientRoom(d.appID, d.clientID), appRoom(d.appID)]);
    this.calls.bind(socket);
    this.expiry.track(socket);
    socket.on('disconnect', () => {
      this.expiry.untrack(socket);
      this.metrics.connections.dec();
      this.limits.left(d.appID, d.clientID);
      void this.calls.disconnected(socket, !this.lifecycle.isShuttingDown);
    });
    socket.emit('ready', {
      appID: d.appID,
      clientID: d.clientID,
      deviceID: d.deviceID,
      connectionID: d.connectionID,
      ...(d.expiresAt !== undefined ? { expiresAt: d.expiresAt } : {}),
    });
  }

  /**
   * The adapter's room index (room → local socket ids): the subscription storage fan-out reads.
   * For the stats reporter's storage gauges; not to be changed.
   */
  roomStorage(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.io?.of('/').adapter.rooms ?? new Map<string, ReadonlySet<string>>();
  }

  /**
   * Closes the transport of every local connection subscribed to a channel (the client sees a
   * lost connection and reconnects by itself, then resubscribes with `recover`): what was
   * published while this gateway's Redis subscriptions were down reaches the clients through
   * recovery. Connections without subscriptions missed nothing and stay. Counted in
   * `recoveryCloses`.
   */
  closeForRecovery(): void {
    let closed = 0;
    for (const socket of this.localSockets()) {
      if (!socket.data?.channels?.size) continue;
      socket.conn.close();
      closed++;
    }
    this.metrics.recoveryCloses.inc(closed);
    this.logger.warn(
      `redis subscriber connection restored: ${closed} connection(s) closed so that they reconnect and recover what they missed`,
    );
  }

  /** Local sockets, for drain, stats and the outbound guard. */
  localSockets(): IterableIterator<ChannelsSocket> {
    return (this.io?.of('/').sockets ?? new Map<string, ChannelsSocket>()).values();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.io) {
      await new Promise<void>((resolve) => this.io?.close(() => resolve()));
    }
    await Promise.all([this.pub?.quit().catch(() => undefined), this.sub?.quit().catch(() => undefined)]);
  }
}

/** The name of a gateway's adapter subscriber connection in Redis (`CLIENT LIST`). */
export const adapterSubscriberName = (gatewayID: string): string =>
  `channels-gateway-sub:${gatewayID.replace(/\s/g, '_')}`;
