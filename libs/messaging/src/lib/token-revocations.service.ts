import { Injectable } from '@nestjs/common';
import type { VerifiedToken } from '@channels/auth';
import { ChannelsError, ErrorCode, Role } from '@channels/contracts';
import { TokenRevocationRepository } from '@channels/db';

/**
 * How long a looked-up revocation time is trusted. `client_deleted` / `app_deleted` control
 * messages drop entries at once on every process; this only bounds a control message that was lost.
 */
const REVOCATION_FRESH_MS = 30_000;

interface Cached {
  at: number | null;
  freshUntil: number;
}

/**
 * Refuses tokens revoked by deleting their client or their app (protocol §1): a client token of
 * `(app, client)` issued at or before the client's or the app's deletion, an admin token issued at
 * or before the app's deletion. `iat` has second precision, so a token issued in the same second
 * as the deletion is refused too; a token without `iat` is refused once anything was revoked.
 * Super admin tokens belong to no app and are never revoked this way. Lookups are cached per
 * (app, client), shared by concurrent callers and refreshed in the background once stale, like the
 * channel directory; `client_deleted` / `app_deleted` control messages drop entries at once.
 */
@Injectable()
export class TokenRevocations {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<number | null>>();
  private generation = 0;

  constructor(private readonly repo: TokenRevocationRepository) {}

  /** Throws `unauthorized` when `token` was revoked (a load overlapping an invalidation is not reused). */
  async check(token: VerifiedToken): Promise<void> {
    const p = token.principal;
    if (p.role === Role.SuperAdmin || !p.appID) return;
    const at = await this.revokedAt(p.appID, p.role === Role.Client ? p.clientID : '');
    if (at !== null && (token.issuedAt === undefined || token.issuedAt * 1000 <= at)) {
      throw new ChannelsError(ErrorCode.Unauthorized, 'token revoked: its client or app was deleted');
    }
  }

  invalidateClient(appID: string, clientID: string): void {
    this.generation++;
    this.cache.delete(key(appID, clientID));
    this.loading.delete(key(appID, clientID));
  }

  invalidateApp(appID: string): void {
    this.generation++;
    const prefix = `${appID}\u0000`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
    for (const k of this.loading.keys()) if (k.startsWith(prefix)) this.loading.delete(k);
  }

  invalidateAll(): void {
    this.generation++;
    this.cache.clear();
    this.loading.clear();
  }

  private revokedAt(appID: string, clientID: string): Promise<number | null> {
    const k = key(appID, clientID);
    const hit = this.cache.get(k);
    if (hit) {
      // Stale: served while one background read refreshes it (an unreachable database then
      // keeps the last answer rather than refusing every token).
      if (hit.freshUntil <= Date.now()) void this.load(k, appID, clientID).catch(() => undefined);
      return Promise.resolve(hit.at);
    }
    return this.load(k, appID, clientID);
  }

  private load(k: string, appID: string, clientID: string): Promise<number | null> {
    const pending = this.loading.get(k);
    if (pending) return pending;
    const generation = this.generation;
    const p = this.repo
      .revokedAt(appID, clientID)
      .then((at) => {
        if (generation === this.generation) {
          if (this.cache.size > 100_000) this.cache.clear();
          this.cache.set(k, { at, freshUntil: Date.now() + REVOCATION_FRESH_MS });
        }
        return at;
      })
      .finally(() => {
        // A load that overlapped an invalidation was already replaced for new callers.
        if (this.loading.get(k) === p) this.loading.delete(k);
      });
    this.loading.set(k, p);
    return p;
  }
}

const key = (appID: string, clientID: string) => `${appID}\u0000${clientID}`;
