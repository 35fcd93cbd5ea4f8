import { Injectable } from '@nestjs/common';
import type { Client } from '@channels/contracts';
import { mapPrismaError } from './errors';
import { decodePairCursor, type Page, toPage } from './pagination';
import { PrismaService } from './prisma.service';

type Row = { appId: string; id: string; username: string; extra: string; createdAt: Date };
const toClient = (r: Row): Client => ({
  appID: r.appId,
  clientID: r.id,
  username: r.username,
  extra: r.extra,
  createdAt: r.createdAt.getTime(),
});

@Injectable()
export class ClientRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(c: { appID: string; clientID: string; username: string; extra: string }): Promise<Client> {
    try {
      return toClient(
        await this.prisma.client.create({
          data: { appId: c.appID, id: c.clientID, username: c.username, extra: c.extra },
        }),
      );
    } catch (e) {
      return mapPrismaError(e, `client ${c.clientID}`);
    }
  }

  async find(appID: string, clientID: string): Promise<Client | null> {
    const r = await this.prisma.client.findUnique({ where: { appId_id: { appId: appID, id: clientID } } });
    return r ? toClient(r) : null;
  }

  async update(
    appID: string,
    clientID: string,
    data: { username?: string; extra?: string },
  ): Promise<Client> {
    try {
      return toClient(
        await this.prisma.client.update({ where: { appId_id: { appId: appID, id: clientID } }, data }),
      );
    } catch (e) {
      return mapPrismaError(e, `client ${clientID}`);
    }
  }

  /** Deletes the client and its memberships. */
  /**
   * Deletes the client (its memberships cascade) and, in the same statement, revokes every token
   * issued to it so far (`TokenRevocationRepository`). False when there was no such client.
   */
  async delete(appID: string, clientID: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ n: number }[]>`
      WITH d AS (
        DELETE FROM clients WHERE app_id = ${appID} AND id = ${clientID} RETURNING id
      ), r AS (
        INSERT INTO token_revocations (app_id, client_id, revoked_at)
        SELECT ${appID}, ${clientID}, now() FROM d
        ON CONFLICT (app_id, client_id) DO UPDATE SET revoked_at = excluded.revoked_at
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM d)::int AS n, (SELECT count(*) FROM r)::int AS r`;
    return (rows[0]?.n ?? 0) > 0;
  }

  /** Keyset page ordered by (appID, clientID); `appID` undefined lists every app (super admin). */
  async list(opts: {
    appID?: string;
    limit: number;
    cursor?: string;
    search?: string;
  }): Promise<Page<Client>> {
    const [afterApp, afterId] = decodePairCursor(opts.cursor);
    const rows = await this.prisma.client.findMany({
      where: {
        AND: [
          opts.appID !== undefined ? { appId: opts.appID } : {},
          opts.search
            ? { OR: [{ id: { contains: opts.search } }, { username: { contains: opts.search } }] }
            : {},
          afterApp !== undefined
            ? { OR: [{ appId: { gt: afterApp } }, { appId: afterApp, id: { gt: afterId } }] }
            : {},
        ],
      },
      orderBy: [{ appId: 'asc' }, { id: 'asc' }],
      take: opts.limit + 1,
    });
    return toPage(rows.map(toClient), opts.limit, (c) => JSON.stringify([c.appID, c.clientID]));
  }
}
