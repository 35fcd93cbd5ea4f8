import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

/**
 * Token revocations, written by `ClientRepository.delete` (one client's tokens) and
 * `AppRepository.delete` (every token of the app) in the statement that deletes.
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
}
