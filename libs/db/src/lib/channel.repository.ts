import { Injectable } from '@nestjs/common';
import type { AckMode, Channel, NamespaceSettings } from '@channels/contracts';
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
  clientPublish: boolean;
  joinLeave: boolean;
  retentionMaxCount: number | null;
  retentionMaxAgeSeconds: number | null;
  autoCreated: boolean;
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
  clientPublish: r.clientPublish,
  joinLeave: r.joinLeave,
  historySize: r.retentionMaxCount,
  historyTTLSeconds: r.retentionMaxAgeSeconds,
  autoCreated: r.autoCreated,
  createdAt: r.createdAt.getTime(),
});

/** The settings a channel takes from its namespace (or the defaults of a user-limited id without one). */
export type ImplicitChannelSettings = Omit<NamespaceSettings, 'autoCreate'>;

/** Channel settings that may be changed after creation. */
export type ChannelChange = Partial<
  Pick<
    Channel,
    | 'name'
    | 'extra'
    | 'persistent'
    | 'private'
    | 'presence'
    | 'isClosed'
    | 'ackMode'
    | 'clientPublish'
    | 'joinLeave'
    | 'historySize'
    | 'historyTTLSeconds'
  >
>;

const toColumns = (c: ChannelChange) => ({
  ...(c.name !== undefined ? { name: c.name } : {}),
  ...(c.extra !== undefined ? { extra: c.extra } : {}),
  ...(c.persistent !== undefined ? { persistent: c.persistent } : {}),
  ...(c.private !== undefined ? { private: c.private } : {}),
  ...(c.presence !== undefined ? { presence: c.presence } : {}),
  ...(c.isClosed !== undefined ? { isClosed: c.isClosed } : {}),
  ...(c.ackMode !== undefined ? { ackMode: c.ackMode } : {}),
  ...(c.clientPublish !== undefined ? { clientPublish: c.clientPublish } : {}),
  ...(c.joinLeave !== undefined ? { joinLeave: c.joinLeave } : {}),
  ...(c.historySize !== undefined ? { retentionMaxCount: c.historySize } : {}),
  ...(c.historyTTLSeconds !== undefined ? { retentionMaxAgeSeconds: c.historyTTLSeconds } : {}),
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
  clientPublish?: boolean;
  joinLeave?: boolean;
  historySize?: number | null;
  historyTTLSeconds?: number | null;
}

export interface ChannelFilter {
  appID?: string;
  private?: boolean;
  persistent?: boolean;
  presence?: boolean;
  isClosed?: boolean;
  search?: string;
}

/**
 * Channels a client may see in listings: those without `#`, and the user-limited ones
 * (`prefix#a,b`; ids hold at most one `#`) that list it.
 */
const listedOrUnlimited = (clientID: string) => ({
  OR: [
    { NOT: { id: { contains: '#' } } },
    { id: { endsWith: `#${clientID}` } },
    { id: { endsWith: `,${clientID}` } },
    { id: { contains: `#${clientID},` } },
    { id: { contains: `,${clientID},` } },
  ],
});

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
            clientPublish: c.clientPublish ?? true,
            joinLeave: c.joinLeave ?? true,
            retentionMaxCount: c.historySize ?? null,
            retentionMaxAgeSeconds: c.historyTTLSeconds ?? null,
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

  /**
   * Makes the channel exist with `settings` unless it already does (any process may race to make
   * the same implicit channel: one row wins, every caller gets it). Null when the app is gone.
   */
  async ensure(appID: string, channelID: string, settings: ImplicitChannelSettings): Promise<Channel | null> {
    await this.prisma.$executeRaw`
      INSERT INTO channels (app_id, id, persistent, private, presence, client_publish, join_leave,
                            retention_max_count, retention_max_age_seconds, auto_created)
      SELECT ${appID}, ${channelID}, ${settings.persistent}, ${settings.private}, ${settings.presence},
             ${settings.clientPublish}, ${settings.joinLeave}, ${settings.historySize}::int,
             ${settings.historyTTLSeconds}::int, true
      WHERE EXISTS (SELECT 1 FROM apps WHERE id = ${appID})
      ON CONFLICT (app_id, id) DO NOTHING`;
    return this.find(appID, channelID);
  }

  /** Changes settings; an implicit channel changed explicitly stops following its namespace. */
  async update(appID: string, channelID: string, change: ChannelChange): Promise<Channel> {
    try {
      return toChannel(
        await this.prisma.channel.update({
          where: { appId_id: { appId: appID, id: channelID } },
          data: { ...toColumns(change), autoCreated: false },
          include: withApp,
        }),
      );
    } catch (e) {
      return mapPrismaError(e, `channel ${channelID}`);
    }
  }

  /** Closes or reopens the channel (a state, not a setting: an implicit channel keeps following its namespace). */
  async setClosed(appID: string, channelID: string, closed: boolean): Promise<Channel> {
    try {
      return toChannel(
        await this.prisma.channel.update({
          where: { appId_id: { appId: appID, id: channelID } },
          data: { isClosed: closed },
          include: withApp,
        }),
      );
    } catch (e) {
      return mapPrismaError(e, `channel ${channelID}`);
    }
  }

  /**
   * Gives every implicit channel of namespace `name` (ids `name:…`) the namespace's new settings;
   * returns the ids of those channels.
   */
  async followNamespace(appID: string, name: string, settings: ImplicitChannelSettings): Promise<string[]> {
    const prefix = `${name}:`;
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE channels SET persistent = ${settings.persistent}, private = ${settings.private},
             presence = ${settings.presence}, client_publish = ${settings.clientPublish},
             join_leave = ${settings.joinLeave}, retention_max_count = ${settings.historySize}::int,
             retention_max_age_seconds = ${settings.historyTTLSeconds}::int
      WHERE app_id = ${appID} AND auto_created AND left(id, ${prefix.length}::int) = ${prefix}
      RETURNING id`;
    return rows.map((r) => r.id);
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
            ? { appId: appID, private: false, ...listedOrUnlimited(clientID) }
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
          ? { appId: appID, private: false, ...listedOrUnlimited(clientID) }
          : { appId: appID, private: true, memberships: { some: { clientId: clientID } } },
      orderBy: { id: 'asc' },
      take: limit,
      include: withApp,
    });
    return rows.map(toChannel);
  }
}
