import { Injectable } from '@nestjs/common';
import {
  ChannelsError,
  ErrorCode,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookSettings,
  type WebhookType,
} from '@channels/contracts';
import { mapPrismaError } from './errors';
import { decodeCursor, encodeCursor, type Page } from './pagination';
import { PrismaService } from './prisma.service';

/** What the webhooks service needs to send an app's webhooks. */
export interface WebhookTarget extends WebhookSettings {
  apiSecret: string;
}

/** A delivery as its first attempt records it (the row is created then). */
export type NewWebhookDelivery = Omit<WebhookDelivery, 'status' | 'attempts' | 'createdAt' | 'updatedAt'>;

interface DeliveryRow {
  id: string;
  appId: string;
  type: string;
  channelId: string | null;
  clientId: string | null;
  sequence: bigint;
  body: string;
  status: string;
  attempts: unknown;
  createdAt: Date;
  updatedAt: Date;
}

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  appID: r.appId,
  type: r.type as WebhookType,
  channelID: r.channelId,
  clientID: r.clientId,
  sequence: Number(r.sequence),
  body: r.body,
  status: r.status as WebhookDeliveryStatus,
  attempts: Array.isArray(r.attempts) ? (r.attempts as WebhookAttempt[]) : [],
  createdAt: r.createdAt.getTime(),
  updatedAt: r.updatedAt.getTime(),
});

const badCursor = (): ChannelsError =>
  new ChannelsError(ErrorCode.BadRequest, 'cursor: is not a valid cursor');

/** Webhook settings (written by admin-api) and deliveries (written by the webhooks service). */
@Injectable()
export class WebhookRepository {
  constructor(private readonly prisma: PrismaService) {}

  async settings(appID: string): Promise<WebhookSettings | null> {
    const r = await this.prisma.webhookSettings.findUnique({ where: { appId: appID } });
    return r ? { url: r.url, types: r.types as WebhookType[] } : null;
  }

  /** Sets the app's webhook setting (replacing any). Unknown app → not_found. */
  async putSettings(appID: string, settings: WebhookSettings): Promise<WebhookSettings> {
    try {
      const r = await this.prisma.webhookSettings.upsert({
        where: { appId: appID },
        create: { appId: appID, url: settings.url, types: settings.types },
        update: { url: settings.url, types: settings.types, updatedAt: new Date() },
      });
      return { url: r.url, types: r.types as WebhookType[] };
    } catch (e) {
      return mapPrismaError(e, `app ${appID}`);
    }
  }

  /** Turns the app's webhooks off; false when they were not on. */
  async deleteSettings(appID: string): Promise<boolean> {
    const { count } = await this.prisma.webhookSettings.deleteMany({ where: { appId: appID } });
    return count > 0;
  }

  /** Every app's chosen types (what producers need), for mirroring into Redis. */
  async allTypes(): Promise<Map<string, WebhookType[]>> {
    const rows = await this.prisma.webhookSettings.findMany({ select: { appId: true, types: true } });
    return new Map(rows.map((r) => [r.appId, r.types as WebhookType[]]));
  }

  /** The app's setting with its API secret (the signing key), or null when its webhooks are off. */
  async target(appID: string): Promise<WebhookTarget | null> {
    const r = await this.prisma.webhookSettings.findUnique({
      where: { appId: appID },
      include: { app: { select: { apiSecret: true } } },
    });
    return r ? { url: r.url, types: r.types as WebhookType[], apiSecret: r.app.apiSecret } : null;
  }

  /**
   * Records one attempt and the delivery's resulting status; the first attempt creates the row.
   * False when the app no longer exists (its deliveries went with it).
   */
  async recordAttempt(
    d: NewWebhookDelivery,
    attempt: WebhookAttempt,
    status: WebhookDeliveryStatus,
  ): Promise<boolean> {
    const attempts = JSON.stringify([attempt]);
    try {
      await this.prisma.$executeRaw`
        INSERT INTO webhook_deliveries (id, app_id, type, channel_id, client_id, sequence, body, status, attempts)
        VALUES (${d.id}::uuid, ${d.appID}, ${d.type}, ${d.channelID}, ${d.clientID}, ${d.sequence}, ${d.body},
                ${status}, ${attempts}::jsonb)
        ON CONFLICT (id) DO UPDATE
          SET attempts = webhook_deliveries.attempts || EXCLUDED.attempts,
              status = EXCLUDED.status,
              updated_at = now()`;
      return true;
    } catch (e) {
      if (/foreign key/i.test(String((e as Error).message))) return false;
      throw e;
    }
  }

  async find(appID: string, id: string): Promise<WebhookDelivery | null> {
    if (!isUuid(id)) return null;
    const r = await this.prisma.webhookDelivery.findFirst({ where: { appId: appID, id } });
    return r ? toDelivery(r) : null;
  }

  /**
   * Puts a failed delivery back to `pending` for a retry (`marked`), or answers it as it is when it
   * is not `failed` (the caller refuses the retry); null when there is no such delivery.
   */
  async markForRetry(
    appID: string,
    id: string,
  ): Promise<{ delivery: WebhookDelivery; marked: boolean } | null> {
    if (!isUuid(id)) return null;
    const rows = await this.prisma.$queryRaw<DeliveryRow[]>`
      UPDATE webhook_deliveries SET status = 'pending', updated_at = now()
      WHERE app_id = ${appID} AND id = ${id}::uuid AND status = 'failed'
      RETURNING id::text AS "id", app_id AS "appId", type, channel_id AS "channelId", client_id AS "clientId",
                sequence, body, status, attempts, created_at AS "createdAt", updated_at AS "updatedAt"`;
    if (rows[0]) return { delivery: toDelivery(rows[0]), marked: true };
    const d = await this.find(appID, id);
    return d ? { delivery: d, marked: false } : null;
  }

  /** Undoes `markForRetry` when the retry could not be queued: the delivery is `failed` again. */
  async unmarkRetry(appID: string, id: string): Promise<void> {
    await this.prisma.webhookDelivery.updateMany({
      where: { appId: appID, id, status: 'pending' },
      data: { status: 'failed', updatedAt: new Date() },
    });
  }

  /** A page of the app's deliveries, newest first, optionally of one status. */
  async list(
    appID: string,
    opts: { status?: WebhookDeliveryStatus; limit: number; cursor?: string },
  ): Promise<Page<WebhookDelivery>> {
    const after = parseDeliveryCursor(decodeCursor(opts.cursor));
    const rows = await this.prisma.webhookDelivery.findMany({
      where: {
        appId: appID,
        ...(opts.status ? { status: opts.status } : {}),
        ...(after
          ? {
              OR: [
                { createdAt: { lt: new Date(after.at) } },
                { createdAt: new Date(after.at), id: { lt: after.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: opts.limit + 1,
    });
    const items = rows.slice(0, opts.limit).map(toDelivery);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > opts.limit && last ? encodeCursor(JSON.stringify([last.createdAt, last.id])) : null,
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: string): boolean => UUID.test(s);

function parseDeliveryCursor(raw: string | undefined): { at: number; id: string } | undefined {
  if (raw === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(raw);
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(key) || typeof key[0] !== 'number' || typeof key[1] !== 'string' || !isUuid(key[1]))
    throw badCursor();
  return { at: key[0], id: key[1] };
}
