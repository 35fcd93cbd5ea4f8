import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

/** Every revocation of one app: the whole app's (if any) and its clients'. */
export interface AppRevocations {
  /** When every token of the app was revoked (unix ms), or null. */
  app: number | null;
  /** Client id → when its tokens were revoked (unix ms); null when the app has more than asked for. */
  clients: Map<string, number> | null;
}

/**
 * Token revocations, written by `ClientRepository.delete` (one client's tokens) and
 * `AppRepository.delete` (every token of the app, `client_id` "") in the statement that deletes.
 */
@Injectable()
export class TokenRevocationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * When the tokens of `clientID` in `appID` were last revoked (unix ms: the later of the client's
   * and the whole app's revocation), or null when they never were.
   */
  async revokedAt(appID: string, clientID: string): Promise<number | null> {
    const rows = await this.prisma.$queryRaw<{ at: Date | null }[]>`
      SELECT max(revoked_at) AS at FROM token_revocations
      WHERE app_id = ${appID} AND client_id IN ('', ${clientID})`;
    const at = rows[0]?.at;
    return at ? at.getTime() : null;
  }

  /** The app's revocations in one read; `clients` is null when it has more than `maxClients`. */
  async ofApp(appID: string, maxClients: number): Promise<AppRevocations> {
    const rows = await this.prisma.$queryRaw<{ client_id: string; revoked_at: Date }[]>`
      (SELECT client_id, revoked_at FROM token_revocations WHERE app_id = ${appID} AND client_id = '')
      UNION ALL
      (SELECT client_id, revoked_at FROM token_revocations WHERE app_id = ${appID} AND client_id <> ''
       LIMIT ${maxClients + 1})`;
    let app: number | null = null;
    const clients = new Map<string, number>();
    for (const r of rows) {
      if (r.client_id === '') app = r.revoked_at.getTime();
      else clients.set(r.client_id, r.revoked_at.getTime());
    }
    return { app, clients: clients.size > maxClients ? null : clients };
  }
}
