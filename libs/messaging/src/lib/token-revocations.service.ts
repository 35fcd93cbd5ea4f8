import { Injectable } from '@nestjs/common';
import type { VerifiedToken } from '@channels/auth';
import { ChannelsError, ErrorCode, Role } from '@channels/contracts';
import { type AppRevocations, TokenRevocationRepository } from '@channels/db';

/**
 * How long a looked-up revocation is trusted. `client_deleted` / `app_deleted` control messages
 * drop entries at once on every process; this only bounds a control message that was lost.
 */
const REVOCATION_FRESH_MS = 30_000;
/** Apps with more revoked clients than this are looked up client by client instead of as a whole. */
const MAX_CLIENTS_PER_APP = 10_000;

interface Cached<T> {
  value: T;
  freshUntil: number;
}

/**
 * Refuses tokens revoked by deleting their client or their app (protocol §1): a client token of
 * `(app, client)` issued at or before the client's or the app's deletion, an admin token issued at
 * or before the app's deletion. `iat` has second precision, so a token issued in the same second
 * as the deletion is refused too; a token without `iat` is refused once anything was revoked.
 * Super admin tokens belong to no app and are never revoked this way.
 *
 * An app's revocations are read in one query and cached as a whole, so a reconnect storm of many
 * clients costs one query per app, not one per client; an app with more than
 * `MAX_CLIENTS_PER_APP` revoked clients is looked up per client. Entries are shared by concurrent
 * callers and refreshed in the background once stale (like the channel directory: an unreachable
 * database keeps the last answer); `client_deleted` / `app_deleted` control messages drop them at
 * once.
 */
@Injectable()
export class TokenRevocations {
  private readonly apps = new Map<string, Cached<AppRevocations>>();
  private readonly clients = new Map<string, Cached<number | null>>();
  private readonly loading = new Map<string, Promise<unknown>>();
  private generation = 0;

  constructor(private readonly repo: TokenRevocationRepository) {}

  /** Throws `unauthorized` when `token` was revoked (a load overlapping an invalidation is not reused). */
  async check(token: VerifiedToken): Promise<void> {
    const p = token.principal;
    if (p.role === Role.SuperAdmin || !p.appID) return;
    const appID = p.appID;
    const app = await this.read(this.apps, `a\u0000${appID}`, () =>
      this.repo.ofApp(appID, MAX_CLIENTS_PER_APP),
    );
    let at = app.app;
    if (p.role === Role.Client) {
      const client = app.clients
        ? (app.clients.get(p.clientID) ?? null)
        : await this.read(this.clients, clientKey(appID, p.clientID), () =>
            this.repo.revokedAt(appID, p.clientID),
          );
      if (client !== null && (at === null || client > at)) at = client;
    }
    if (at !== null && (token.issuedAt === undefined || token.issuedAt * 1000 <= at)) {
      throw new ChannelsError(ErrorCode.Unauthorized, 'token revoked: its client or app was deleted');
    }
  }

  invalidateClient(appID: string, clientID: string): void {
    this.generation++;
    for (const k of [`a\u0000${appID}`, clientKey(appID, clientID)]) {
      this.apps.delete(k);
      this.clients.delete(k);
      this.loading.delete(k);
    }
  }

  invalidateApp(appID: string): void {
    this.generation++;
    this.apps.delete(`a\u0000${appID}`);
    this.loading.delete(`a\u0000${appID}`);
    const prefix = clientKey(appID, '');
    for (const k of this.clients.keys()) if (k.startsWith(prefix)) this.clients.delete(k);
    for (const k of this.loading.keys()) if (k.startsWith(prefix)) this.loading.delete(k);
  }

  invalidateAll(): void {
    this.generation++;
    this.apps.clear();
    this.clients.clear();
    this.loading.clear();
  }

  private read<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit) {
      if (hit.freshUntil <= Date.now()) void this.load(map, key, load).catch(() => undefined);
      return Promise.resolve(hit.value);
    }
    return this.load(map, key, load);
  }

  private load<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const pending = this.loading.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const generation = this.generation;
    const p: Promise<T> = load()
      .then((value) => {
        if (generation === this.generation) {
          if (map.size > 100_000) map.clear();
          map.set(key, { value, freshUntil: Date.now() + REVOCATION_FRESH_MS });
        }
        return value;
      })
      .finally(() => {
        // A load that overlapped an invalidation was already replaced for new callers.
        if (this.loading.get(key) === p) this.loading.delete(key);
      });
    this.loading.set(key, p);
    return p;
  }
}

const clientKey = (appID: string, clientID: string) => `c\u0000${appID}\u0000${clientID}`;
