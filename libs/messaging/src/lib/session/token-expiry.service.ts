import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TokenVerifier } from '@channels/auth';
import { ChannelsError, ErrorCode, parseOrThrow, type RefreshAck, refreshSchema } from '@channels/contracts';
import { TokenRevocations } from '../token-revocations.service';
import { REALTIME_CORE_OPTIONS, type RealtimeCoreOptions } from './core.options';
import type { Session } from './session';

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
  private readonly buckets = new Map<number, Set<Session>>();
  /** The next bucket (unix second) the wheel walks. */
  private cursor = Math.floor(Date.now() / 1000);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(REALTIME_CORE_OPTIONS) private readonly options: RealtimeCoreOptions,
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
  track(session: Session): void {
    this.file(session);
  }

  /** The connection closed. */
  untrack(session: Session): void {
    this.unfile(session);
  }

  /**
   * The `refresh` call: verifies the fresh token (invalid, expired or revoked → `unauthorized`),
   * requires the same app, client and role (→ `forbidden`), then moves the connection's expiry.
   */
  async refresh(session: Session, input: unknown): Promise<RefreshAck> {
    const req = parseOrThrow(refreshSchema, input);
    const token = this.verifier.verifyToken(req.token);
    await this.revocations.check(token);
    const was = session.principal;
    const now = token.principal;
    if (now.role !== was.role || now.clientID !== was.clientID || now.appID !== was.appID) {
      throw new ChannelsError(
        ErrorCode.Forbidden,
        'the new token must be for the same app, client and role as the connection',
      );
    }
    const d = session;
    this.unfile(session);
    d.issuedAt = token.issuedAt;
    d.expiresAt = token.expiresAt;
    d.expiryNoticeSent = false;
    if (session.connected) this.file(session);
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
        s.expiryBucket = undefined;
        this.due(s, now);
      }
    }
  }

  private due(session: Session, now: number): void {
    const d = session;
    if (!session.connected || d.expiresAt === undefined) return;
    if (now >= d.expiresAt + this.options.tokenExpiryLeewayMs) {
      session.send({ name: 'token_expired', payload: { expiresAt: d.expiresAt } });
      session.transport.close('disconnect');
      this.logger.debug(`closed connection ${d.connectionID} of ${d.appID}/${d.clientID}: token expired`);
      return;
    }
    if (!d.expiryNoticeSent && now >= d.expiresAt - this.options.tokenRefreshNoticeMs) {
      d.expiryNoticeSent = true;
      session.send({ name: 'refresh_required', payload: { expiresAt: d.expiresAt } });
    }
    this.file(session, now);
  }

  /** Files the connection under the next moment it needs attention (notice, then close). */
  private file(session: Session, now = Date.now()): void {
    const d = session;
    if (d.expiresAt === undefined) return;
    const notice = d.expiresAt - this.options.tokenRefreshNoticeMs;
    const at = d.expiryNoticeSent ? d.expiresAt + this.options.tokenExpiryLeewayMs : Math.max(notice, now);
    // Never behind the wheel: a bucket the wheel has passed would never be walked again.
    const second = Math.max(Math.ceil(at / 1000), this.cursor);
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(second, bucket);
    }
    bucket.add(session);
    d.expiryBucket = second;
  }

  private unfile(session: Session): void {
    const second = session.expiryBucket;
    if (second === undefined) return;
    session.expiryBucket = undefined;
    const bucket = this.buckets.get(second);
    if (!bucket) return;
    bucket.delete(session);
    if (bucket.size === 0) this.buckets.delete(second);
  }
}
