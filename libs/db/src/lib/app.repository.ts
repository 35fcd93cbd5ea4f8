import { Injectable } from '@nestjs/common';
import type { AckMode, App, AppWithApiSecret, HooksConfig } from '@channels/contracts';
import { Prisma } from '../generated/prisma/client';

const dbNull = Prisma.DbNull;
import { mapPrismaError } from './errors';
import { decodeCursor, type Page, toPage } from './pagination';
import { PrismaService } from './prisma.service';

const toApp = (r: { id: string; name: string; ackMode: string; createdAt: Date }): App => ({
  appID: r.id,
  name: r.name,
  ackMode: r.ackMode as AckMode,
  createdAt: r.createdAt.getTime(),
});

@Injectable()
export class AppRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates the app; Postgres generates its API secret. */
  async create(appID: string, name: string, ackMode: AckMode = 'queued'): Promise<AppWithApiSecret> {
    try {
      const r = await this.prisma.app.create({ data: { id: appID, name, ackMode } });
      return { ...toApp(r), apiSecret: r.apiSecret };
    } catch (e) {
      return mapPrismaError(e, `app ${appID}`);
    }
  }

  async find(appID: string): Promise<App | null> {
    const r = await this.prisma.app.findUnique({ where: { id: appID } });
    return r ? toApp(r) : null;
  }

  async findWithApiSecret(appID: string): Promise<AppWithApiSecret | null> {
    const r = await this.prisma.app.findUnique({ where: { id: appID } });
    return r ? { ...toApp(r), apiSecret: r.apiSecret } : null;
  }

  /** The app's current API secret, read from Postgres on every call (never cached); null: no such app. */
  async apiSecret(appID: string): Promise<string | null> {
    const r = await this.prisma.app.findUnique({ where: { id: appID }, select: { apiSecret: true } });
    return r?.apiSecret ?? null;
  }

  /**
   * Replaces the app's API secret with a new one Postgres generates (the column's default); the old
   * one is refused from the next request on. Null when there is no such app.
   */
  async rotateApiSecret(appID: string): Promise<string | null> {
    const rows = await this.prisma.$queryRaw<{ api_secret: string }[]>`
      UPDATE apps SET api_secret = DEFAULT WHERE id = ${appID} RETURNING api_secret`;
    return rows[0]?.api_secret ?? null;
  }

  /** What calling the app's backend needs: its hooks (null: none) and API secret; null: no such app. */
  async hooks(appID: string): Promise<{ hooks: HooksConfig | null; apiSecret: string } | null> {
    const r = await this.prisma.app.findUnique({
      where: { id: appID },
      select: { hooks: true, apiSecret: true },
    });
    return r ? { hooks: (r.hooks as HooksConfig | null) ?? null, apiSecret: r.apiSecret } : null;
  }

  /** Sets (null: removes) the app's hooks; false when there is no such app. */
  async setHooks(appID: string, hooks: HooksConfig | null): Promise<boolean> {
    const { count } = await this.prisma.app.updateMany({
      where: { id: appID },
      data: { hooks: hooks === null ? dbNull : (hooks as Prisma.InputJsonValue) },
    });
    return count > 0;
  }

  async exists(appID: string): Promise<boolean> {
    return (await this.prisma.app.count({ where: { id: appID } })) > 0;
  }

  async list(opts: { limit: number; cursor?: string; appIDs?: string[] }): Promise<Page<App>> {
    const after = decodeCursor(opts.cursor);
    const rows = await this.prisma.app.findMany({
      where: {
        AND: [
          after !== undefined ? { id: { gt: after } } : {},
          opts.appIDs ? { id: { in: opts.appIDs } } : {},
        ],
      },
      orderBy: { id: 'asc' },
      take: opts.limit + 1,
    });
    return toPage(rows.map(toApp), opts.limit, (a) => a.appID);
  }

  async listAll(): Promise<App[]> {
    return (await this.prisma.app.findMany({ orderBy: { id: 'asc' } })).map(toApp);
  }

  async rename(appID: string, name: string): Promise<App> {
    return this.update(appID, { name });
  }

  async update(appID: string, data: { name?: string; ackMode?: AckMode }): Promise<App> {
    try {
      return toApp(await this.prisma.app.update({ where: { id: appID }, data }));
    } catch (e) {
      return mapPrismaError(e, `app ${appID}`);
    }
  }

  /** Deletes the app and, by cascade, its clients, channels, memberships and events. */
  /**
   * Deletes the app with everything it owns and, in the same statement, revokes every token issued
   * for it so far (`TokenRevocationRepository`). False when there was no such app.
   */
  async delete(appID: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ n: number }[]>`
      WITH d AS (
        DELETE FROM apps WHERE id = ${appID} RETURNING id
      ), r AS (
        INSERT INTO token_revocations (app_id, client_id, revoked_at)
        SELECT ${appID}, '', now() FROM d
        ON CONFLICT (app_id, client_id) DO UPDATE SET revoked_at = excluded.revoked_at
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM d)::int AS n, (SELECT count(*) FROM r)::int AS r`;
    return (rows[0]?.n ?? 0) > 0;
  }
}
