import { Injectable } from '@nestjs/common';
import type { ChannelEvent } from '@channels/contracts';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from './prisma.service';

/** A history query over stored events. Bounds are inclusive for time, exclusive for `afterOffset`. */
export interface EventQuery {
  appID: string;
  channelID: string;
  afterOffset?: number;
  beforeOffset?: number;
  since?: number;
  until?: number;
  order: 'asc' | 'desc';
  limit: number;
}

type Row = {
  offset: bigint;
  epoch: string;
  id: string;
  event_type: string;
  payload: unknown;
  sender_id: string;
  timestamp: bigint;
};

@Injectable()
export class EventRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One indexed range scan: (app, channel, offset) for offset bounds, (app, channel, timestamp) for
   * time bounds. Results are in the requested order.
   */
  async query(q: EventQuery): Promise<ChannelEvent[]> {
    const conds: Prisma.Sql[] = [Prisma.sql`app_id = ${q.appID}`, Prisma.sql`channel_id = ${q.channelID}`];
    if (q.afterOffset !== undefined) conds.push(Prisma.sql`"offset" > ${BigInt(q.afterOffset)}`);
    if (q.beforeOffset !== undefined) conds.push(Prisma.sql`"offset" < ${BigInt(q.beforeOffset)}`);
    if (q.since !== undefined) conds.push(Prisma.sql`"timestamp" >= ${BigInt(q.since)}`);
    if (q.until !== undefined) conds.push(Prisma.sql`"timestamp" <= ${BigInt(q.until)}`);
    const timeScan = q.afterOffset === undefined && q.beforeOffset === undefined && (q.since !== undefined || q.until !== undefined);
    const dir = q.order === 'asc' ? Prisma.sql`ASC` : Prisma.sql`DESC`;
    const orderBy = timeScan ? Prisma.sql`"timestamp" ${dir}, "offset" ${dir}` : Prisma.sql`"offset" ${dir}`;
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT "offset", epoch, id, event_type, payload, sender_id, "timestamp"
      FROM events WHERE ${Prisma.join(conds, ' AND ')}
      ORDER BY ${orderBy} LIMIT ${q.limit}`;
    return rows.map((r) => ({
      id: r.id,
      channelID: q.channelID,
      offset: Number(r.offset),
      epoch: r.epoch,
      eventType: r.event_type,
      payload: r.payload,
      senderID: r.sender_id,
      timestamp: Number(r.timestamp),
    }));
  }

  /** The highest stored offset and its epoch (0 and null for an empty channel). */
  async top(appID: string, channelID: string): Promise<{ offset: number; epoch: string | null }> {
    const rows = await this.prisma.$queryRaw<{ offset: bigint; epoch: string }[]>`
      SELECT "offset", epoch FROM events WHERE app_id = ${appID} AND channel_id = ${channelID}
      ORDER BY "offset" DESC LIMIT 1`;
    return rows[0] ? { offset: Number(rows[0].offset), epoch: rows[0].epoch } : { offset: 0, epoch: null };
  }

  /** The lowest stored offset (retention may have removed older ones), or null when empty. */
  async oldestOffset(appID: string, channelID: string): Promise<number | null> {
    const rows = await this.prisma.$queryRaw<{ offset: bigint }[]>`
      SELECT "offset" FROM events WHERE app_id = ${appID} AND channel_id = ${channelID}
      ORDER BY "offset" ASC LIMIT 1`;
    return rows[0] ? Number(rows[0].offset) : null;
  }
}
