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
  async delete(appID: string, clientID: string): Promise<boolean> {
    const { count } = await this.prisma.client.deleteMany({ where: { appId: appID, id: clientID } });
    return count > 0;
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
