import { Injectable } from '@nestjs/common';
import { mapPrismaError } from './errors';
import { decodeCursor, type Page, toPage } from './pagination';
import { PrismaService } from './prisma.service';

export interface Member {
  clientID: string;
  createdAt: number;
}

@Injectable()
export class MembershipRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Adds the member; returns false when it already was one. Unknown channel/client → not_found. */
  async add(appID: string, channelID: string, clientID: string): Promise<boolean> {
    try {
      const rows = await this.prisma.$executeRaw`
        INSERT INTO memberships (app_id, channel_id, client_id) VALUES (${appID}, ${channelID}, ${clientID})
        ON CONFLICT DO NOTHING`;
      return rows > 0;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'P2003' || /foreign key/i.test(String((e as Error).message))) {
        return mapPrismaError({ code: 'P2025' }, `channel ${channelID} or client ${clientID}`);
      }
      throw e;
    }
  }

  /** Removes the member; returns false when it was not one. */
  async remove(appID: string, channelID: string, clientID: string): Promise<boolean> {
    const { count } = await this.prisma.membership.deleteMany({
      where: { appId: appID, channelId: channelID, clientId: clientID },
    });
    return count > 0;
  }

  async isMember(appID: string, channelID: string, clientID: string): Promise<boolean> {
    const r = await this.prisma.membership.findUnique({
      where: { appId_channelId_clientId: { appId: appID, channelId: channelID, clientId: clientID } },
      select: { clientId: true },
    });
    return r !== null;
  }

  async listMembers(
    appID: string,
    channelID: string,
    opts: { limit: number; cursor?: string },
  ): Promise<Page<Member>> {
    const after = decodeCursor(opts.cursor);
    const rows = await this.prisma.membership.findMany({
      where: {
        appId: appID,
        channelId: channelID,
        ...(after !== undefined ? { clientId: { gt: after } } : {}),
      },
      orderBy: { clientId: 'asc' },
      take: opts.limit + 1,
    });
    return toPage(
      rows.map((r) => ({ clientID: r.clientId, createdAt: r.createdAt.getTime() })),
      opts.limit,
      (m) => m.clientID,
    );
  }

  async channelsOfClient(appID: string, clientID: string): Promise<string[]> {
    const rows = await this.prisma.membership.findMany({
      where: { appId: appID, clientId: clientID },
      select: { channelId: true },
    });
    return rows.map((r) => r.channelId);
  }
}
