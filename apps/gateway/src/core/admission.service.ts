import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { canUseApp, isAdmin, TokenVerifier, type VerifiedToken } from '@channels/auth';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelsError, ErrorCode } from '@channels/contracts';
import { HookCaller, KnownApps, type SessionInit, TokenRevocations } from '@channels/messaging';
import type { GatewayConfig } from '../config';
import { ConnectionLimits } from '../ops/connection-limits.service';
import { withDeadline } from '../socket/handshake-auth';

/**
 * A random id kept for a connection's lifetime. `randomUUID()` answers a string made of many small
 * pieces (≈ 480 bytes of heap kept as it is); copied once it is one flat 36-byte string.
 */
const newId = (): string => Buffer.from(randomUUID(), 'latin1').toString('latin1');

/** Credentials a transport read from its handshake (headers, query, socket.io `auth`). */
export interface Credentials {
  token: string | undefined;
  appID: string | undefined;
  deviceID: string | undefined;
  /** The transport's protocol name (`socket.io`, `optimized`, `sse`), told to the connect hook. */
  transport: string;
}

/**
 * Admits a connection, whatever its transport: the token is verified first (no dependency: a bad
 * token is `unauthorized` whatever is down), then the app is looked up (Postgres, cached), the
 * token checked against revocations and a connection slot taken (Redis). Those lookups failing or
 * still pending after `HANDSHAKE_TIMEOUT_MS` reject with something that is not a `ChannelsError`,
 * which transports answer as the retryable `unavailable` (503), never as bad credentials. Last,
 * the app's connect hook (if any) is asked: it may refuse (`denied`, with its reason) or add
 * channels, subscribed at connect like the token's `channels`.
 */
@Injectable()
export class Admission {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly verifier: TokenVerifier,
    private readonly revocations: TokenRevocations,
    private readonly apps: KnownApps,
    private readonly limits: ConnectionLimits,
    private readonly hooks: HookCaller,
  ) {}

  async admit(creds: Credentials): Promise<SessionInit> {
    const verified = this.verifier.verifyToken(creds.token);
    const principal = verified.principal;
    const appID = creds.appID ?? principal.appID;
    if (!appID || appID.length > 150 || !canUseApp(principal, appID)) {
      throw new ChannelsError(ErrorCode.Unauthorized, 'this token may not use this app');
    }
    if (creds.deviceID !== undefined && creds.deviceID.length > 100) {
      throw new ChannelsError(ErrorCode.Unauthorized, 'deviceID is too long');
    }
    const { clientID } = principal;
    const publishBucket = await withDeadline(
      this.lookups(appID, clientID, verified),
      this.config.HANDSHAKE_TIMEOUT_MS,
      () => this.limits.left(appID, clientID),
    );
    const deviceID = creds.deviceID ?? newId();
    const connectionID = newId();
    let channels = verified.channels ?? [];
    if (!isAdmin(principal)) {
      try {
        const answer = await this.hooks.check(appID, {
          hook: 'connect',
          appID,
          clientID,
          deviceID,
          connectionID,
          transport: creds.transport,
        });
        if (answer?.channels?.length) channels = [...new Set([...channels, ...answer.channels])];
      } catch (e) {
        this.limits.left(appID, clientID);
        throw e;
      }
    }
    return {
      principal,
      appID,
      clientID,
      deviceID,
      connectionID,
      publishBucket,
      ...(verified.issuedAt !== undefined ? { issuedAt: verified.issuedAt } : {}),
      ...(verified.expiresAt !== undefined ? { expiresAt: verified.expiresAt } : {}),
      ...(channels.length > 0 ? { channels } : {}),
    };
  }

  /** An admitted connection ended (or was admitted too late to be used): its slot is given back. */
  left(init: { appID: string; clientID: string }): void {
    this.limits.left(init.appID, init.clientID);
  }

  private async lookups(appID: string, clientID: string, token: VerifiedToken) {
    if (!(await this.apps.exists(appID))) throw new ChannelsError(ErrorCode.Unauthorized, 'unknown app');
    await this.revocations.check(token);
    return this.limits.admit(appID, clientID);
  }
}
