import { Injectable } from '@nestjs/common';
import type { AckMode, Channel } from '@channels/contracts';
import { mapPrismaError } from './errors';
import { decodePairCursor, type Page, toPage } from './pagination';
import { PrismaService } from './prisma.service';

type Row = {
  appId: string;
  id: string;
  name: string;
  persistent: boolean;
  private: boolean;
  presence: boolean;
  isClosed: boolean;
  extra: string;
  ackMode: string | null;
  createdAt: Date;
  app: { ackMode: string };
};
/** Selected with every channel row: the app's ack mode, which the channel inherits unless it sets one. */
const withApp = { app: { select: { ackMode: true } } } as const;
export const toChannel = (r: Row): Channel => ({
  appID: r.appId,
  channelID: r.id,
  name: r.name,
  persistent: r.persistent,
  private: r.private,
  presence: r.presence,
  isClosed: r.isClosed,
  extra: r.extra,
  ackMode: r.ackMode as AckMode | null,
  effectiveAckMode: (r.ackMode ?? r.app.ackMode) as AckMode,
  createdAt: r.createdAt.getTime(),
});

export interface NewChannel {
  appID: string;
  channelID: string;
  name: string;
  persistent: boolean;
  private: boolean;
  presence: boolean;
  extra: string;
  /** Null or absent: the app's ack mode. */
  ackMode?: AckMode | null;
}

export interface ChannelFilter {
  appID?: string;
  private?: boolean;
  persistent?: boolean;
  presence?: boolean;
  isClosed?: boolean;
  search?: string;
}

@Injectable()
export class ChannelRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(c: NewChannel): Promise<Channel> {
    try {
      return toChannel(
        await this.prisma.channel.create({
          data: {
            appId: c.appID,
            id: c.channelID,
            name: c.name,
            persistent: c.persistent,
            private: c.private,
            presence: c.presence,
            extra: c.extra,
            ackMode: c.ackMode ?? null,
          },
          include: withApp,
        }),
      );
    } catch (e) {
      return mapPrismaError(e, `channel ${c.channelID}`);
    }
  }

  async find(appID: string, channelID: string): Promise<Channel | null> {
    const r = await this.prisma.channel.findUnique({
      where: { appId_id: { appId: appID, id: channelID } },
      include: withApp,
    });
    return r ? toChannel(r) : null;
  }

  async update(
    appID: string,
    channelID: string,
    data: Partial<
      Pick<Channel, 'name' | 'extra' | 'persistent' | 'private' | 'presence' | 'isClosed' | 'ackMode'>
    >,
  ): Promise<Channel> {
    try {
      return toChannel(
        await this.prisma.channel.update({
          where: { appId_id: { appId: appID, id: channelID } },
          data,
          include: withApp,
        }),
      );
    } catch (e) {
      return mapPrismaError(e, `channel ${channelID}`);
    }
  }

  /**
   * Records that the channel's Redis stream is being seeded; true when it had been seeded before
   * (so Redis lost the stream since). A channel that does not exist answers false.
   */
  async markStreamSeeded(appID: string, channelID: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ before: boolean }[]>`
      UPDATE channels c SET stream_seeded = true
      FROM (SELECT stream_seeded AS before FROM channels
            WHERE app_id = ${appID} AND id = ${channelID} FOR UPDATE) o
      WHERE c.app_id = ${appID} AND c.id = ${channelID}
      RETURNING o.before`;
    return rows[0]?.before ?? false;
  }

  /** Deletes the channel, its memberships and every stored event. */
  async delete(appID: string, channelID: string): Promise<boolean> {
    const { count } = await this.prisma.channel.deleteMany({ where: { appId: appID, id: channelID } });
    return count > 0;
  }

  /**
   * Deletes the channel like `delete` and returns the client ids that were its members (read in
   * the same statement as the delete, so none added meanwhile is missed); null when there was no
   * such channel.
   */
  async deleteReturningMembers(appID: string, channelID: string): Promise<string[] | null> {
    const rows = await this.prisma.$queryRaw<{ deleted: number; members: string[] }[]>`
      WITH m AS (
        DELETE FROM memberships WHERE app_id = ${appID} AND channel_id = ${channelID} RETURNING client_id
      ), c AS (
        DELETE FROM channels WHERE app_id = ${appID} AND id = ${channelID} RETURNING id
      )
      SELECT (SELECT count(*) FROM c)::int AS deleted,
             coalesce((SELECT array_agg(client_id::text ORDER BY client_id) FROM m), '{}'::text[]) AS members`;
    const r = rows[0];
    return r && r.deleted > 0 ? r.members : null;
  }

  async list(opts: ChannelFilter & { limit: number; cursor?: string }): Promise<Page<Channel>> {
    const [afterApp, afterId] = decodePairCursor(opts.cursor);
    const rows = await this.prisma.channel.findMany({
      where: {
        AND: [
          opts.appID !== undefined ? { appId: opts.appID } : {},
          opts.private !== undefined ? { private: opts.private } : {},
          opts.persistent !== undefined ? { persistent: opts.persistent } : {},
          opts.presence !== undefined ? { presence: opts.presence } : {},
          opts.isClosed !== undefined ? { isClosed: opts.isClosed } : {},
          opts.search ? { OR: [{ id: { contains: opts.search } }, { name: { contains: opts.search } }] } : {},
          afterApp !== undefined
            ? { OR: [{ appId: { gt: afterApp } }, { appId: afterApp, id: { gt: afterId } }] }
            : {},
        ],
      },
      orderBy: [{ appId: 'asc' }, { id: 'asc' }],
      take: opts.limit + 1,
      include: withApp,
    });
    return toPage(rows.map(toChannel), opts.limit, (c) => JSON.stringify([c.appID, c.channelID]));
  }

  /**
   * One page of what a client may list (`channels` socket call): the app's open channels, or the
   * private ones it is a member of, in channel id order. Cursors are those of `list`.
   */
  async pageForClient(
    appID: string,
    clientID: string,
    kind: 'open' | 'private',
    page: { limit: number; cursor?: string },
  ): Promise<Page<Channel>> {
    const [afterApp, afterId] = decodePairCursor(page.cursor);
    const rows = await this.prisma.channel.findMany({
      where: {
        AND: [
          kind === 'open'
            ? { appId: appID, private: false }
            : { appId: appID, private: true, memberships: { some: { clientId: clientID } } },
          afterApp !== undefined
            ? { OR: [{ appId: { gt: afterApp } }, { appId: afterApp, id: { gt: afterId } }] }
            : {},
        ],
      },
      orderBy: [{ appId: 'asc' }, { id: 'asc' }],
      take: page.limit + 1,
      include: withApp,
    });
    return toPage(rows.map(toChannel), page.limit, (c) => JSON.stringify([c.appID, c.channelID]));
  }

  /** Open channels of an app plus the private ones the client is a member of, up to `limit`. */
  async listForClient(
    appID: string,
    clientID: string,
    kind: 'open' | 'private',
    limit = 1000,
  ): Promise<Channel[]> {
    const rows = await this.prisma.channel.findMany({
      where:
        kind === 'open'
          ? { appId: appID, private: false }
          : { appId: appID, private: true, memberships: { some: { clientId: clientID } } },
      orderBy: { id: 'asc' },
      take: limit,
      include: withApp,
    });
    return rows.map(toChannel);
  }
}
