import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TokenVerifier } from '@channels/auth';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelsError, ErrorCode, parseOrThrow, type RefreshAck, refreshSchema } from '@channels/contracts';
import { TokenRevocations } from '@channels/messaging';
import type { GatewayConfig } from '../config';
import type { ChannelsSocket } from './socket-types';

/** How often the wheel looks for due connections (its buckets are one second wide). */
const TICK_MS = 500;

/**
 * Token lifetime of connections (Centrifugo's refresh). A connection whose token carries `exp` is
 * sent `refresh_required` `TOKEN_REFRESH_NOTICE_MS` before it and closed, after `token_expired`,
 * `TOKEN_EXPIRY_LEEWAY_MS` after it — unless the client sent a fresh token with `refresh` (same
 * app, client and role), which moves both moments.
 *
 * One timer for the whole process, not one per connection: connections are filed in a wheel of
 * one-second buckets by the next moment they need attention, and one interval walks the buckets
 * that came due. Filing, moving and dropping a connection are O(1), so 100k connections cost 100k
 * set entries and nothing while they wait.
 */
@Injectable()
export class TokenExpiry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenExpiry.name);
  private readonly buckets = new Map<number, Set<ChannelsSocket>>();
  /** The next bucket (unix second) the wheel walks. */
  private cursor = Math.floor(Date.now() / 1000);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly verifier: TokenVerifier,
    private readonly revocations: TokenRevocations,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Number of connections waiting for their token's notice or expiry. */
  get tracked(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }

  /** Starts watching a new connection's token (nothing to do when it has no `exp`). */
  track(socket: ChannelsSocket): void {
    this.file(socket);
  }

  /** The connection closed. */
  untrack(socket: ChannelsSocket): void {
    this.unfile(socket);
  }

  /**
   * The `refresh` call: verifies the fresh token (invalid, expired or revoked → `unauthorized`),
   * requires the same app, client and role (→ `forbidden`), then moves the connection's expiry.
   */
  async refresh(socket: ChannelsSocket, input: unknown): Promise<RefreshAck> {
    const req = parseOrThrow(refreshSchema, input);
    const token = this.verifier.verifyToken(req.token);
    await this.revocations.check(token);
    const was = socket.data.principal;
    const now = token.principal;
    if (now.role !== was.role || now.clientID !== was.clientID || now.appID !== was.appID) {
      throw new ChannelsError(
        ErrorCode.Forbidden,
        'the new token must be for the same app, client and role as the connection',
      );
    }
    const d = socket.data;
    this.unfile(socket);
    d.issuedAt = token.issuedAt;
    d.expiresAt = token.expiresAt;
    d.expiryNoticeSent = false;
    if (socket.connected) this.file(socket);
    return token.expiresAt !== undefined ? { expiresAt: token.expiresAt } : {};
  }

  /** Walks every bucket that came due (all of them, if the process stalled for a while). */
  tick(now = Date.now()): void {
    const last = Math.floor(now / 1000);
    for (; this.cursor <= last; this.cursor++) {
      const bucket = this.buckets.get(this.cursor);
      if (!bucket) continue;
      this.buckets.delete(this.cursor);
      for (const s of bucket) {
        s.data.expiryBucket = undefined;
        this.due(s, now);
      }
    }
  }

  private due(socket: ChannelsSocket, now: number): void {
    const d = socket.data;
    if (!socket.connected || d.expiresAt === undefined) return;
    if (now >= d.expiresAt + this.config.TOKEN_EXPIRY_LEEWAY_MS) {
      socket.emit('token_expired', { expiresAt: d.expiresAt });
      socket.disconnect(true);
      this.logger.debug(`closed connection ${d.connectionID} of ${d.appID}/${d.clientID}: token expired`);
      return;
    }
    if (!d.expiryNoticeSent && now >= d.expiresAt - this.config.TOKEN_REFRESH_NOTICE_MS) {
      d.expiryNoticeSent = true;
      socket.emit('refresh_required', { expiresAt: d.expiresAt });
    }
    this.file(socket, now);
  }

  /** Files the connection under the next moment it needs attention (notice, then close). */
  private file(socket: ChannelsSocket, now = Date.now()): void {
    const d = socket.data;
    if (d.expiresAt === undefined) return;
    const notice = d.expiresAt - this.config.TOKEN_REFRESH_NOTICE_MS;
    const at = d.expiryNoticeSent ? d.expiresAt + this.config.TOKEN_EXPIRY_LEEWAY_MS : Math.max(notice, now);
    // Never behind the wheel: a bucket the wheel has passed would never be walked again.
    const second = Math.max(Math.ceil(at / 1000), this.cursor);
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(second, bucket);
    }
    bucket.add(socket);
    d.expiryBucket = second;
  }

  private unfile(socket: ChannelsSocket): void {
    const second = socket.data?.expiryBucket;
    if (second === undefined) return;
    socket.data.expiryBucket = undefined;
    const bucket = this.buckets.get(second);
    if (!bucket) return;
    bucket.delete(socket);
    if (bucket.size === 0) this.buckets.delete(second);
  }
}
