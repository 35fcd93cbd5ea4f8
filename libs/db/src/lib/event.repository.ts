import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type ChannelEvent, eventFromText, type EventText, eventText } from '@channels/contracts';
import { Pool } from 'pg';
import { DATABASE_OPTIONS, type DatabaseOptions, PrismaService } from './prisma.service';

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

/** A row in column order: offset, epoch, id, event_type, payload (jsonb as text), sender_id, timestamp (int8 as text). */
type Row = [string, string, string, string, string, string, string];

@Injectable()
export class EventRepository implements OnModuleDestroy {
  /**
   * History reads go through a node-postgres pool of their own (connections open on first use):
   * Prisma's raw-query path costs ~3x more per returned row, and history answers hundreds of rows
   * per request under a latency budget of a few milliseconds.
   */
  private readonly pool: Pool;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(DATABASE_OPTIONS) options: DatabaseOptions,
  ) {
    this.pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server is replaced on next use; nothing to do here.
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  /**
   * One indexed range scan: (app, channel, offset) for offset bounds, (app, channel, timestamp) for
   * time bounds. Results are in the requested order. Each query shape is a prepared statement.
   */
  async query(q: EventQuery): Promise<ChannelEvent[]> {
    return (await this.queryText(q)).map(eventFromText);
  }

  /**
   * `query` as canonical event texts: the payload is Postgres' own JSON text of the jsonb value,
   * never parsed here.
   */
  async queryText(q: EventQuery): Promise<EventText[]> {
    const values: string[] = [q.appID, q.channelID];
    const conds = ['app_id = $1', 'channel_id = $2'];
    let shape = '';
    const bound = (sql: string, v: number, tag: string) => {
      values.push(String(Math.trunc(v)));
      conds.push(`${sql} $${values.length}`);
      shape += tag;
    };
    if (q.afterOffset !== undefined) bound('"offset" >', q.afterOffset, 'a');
    if (q.beforeOffset !== undefined) bound('"offset" <', q.beforeOffset, 'b');
    if (q.since !== undefined) bound('"timestamp" >=', q.since, 's');
    if (q.until !== undefined) bound('"timestamp" <=', q.until, 'u');
    const timeScan =
      q.afterOffset === undefined &&
      q.beforeOffset === undefined &&
      (q.since !== undefined || q.until !== undefined);
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const orderBy = timeScan ? `"timestamp" ${dir}, "offset" ${dir}` : `"offset" ${dir}`;
    values.push(String(Math.max(0, Math.trunc(q.limit))));
    const { rows } = await this.pool.query<Row>({
      name: `history_text_${shape}_${timeScan ? 't' : 'o'}_${dir}`,
      text: `SELECT "offset", epoch, id, event_type, payload::text, sender_id, "timestamp"
        FROM events WHERE ${conds.join(' AND ')} ORDER BY ${orderBy} LIMIT $${values.length}`,
      values,
      rowMode: 'array',
    });
    return rows.map((r) =>
      eventText({
        id: r[2],
        channelID: q.channelID,
        offset: Number(r[0]),
        epoch: r[1],
        eventType: r[3],
        payloadJson: r[4],
        senderID: r[5],
        timestamp: Number(r[6]),
      }),
    );
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
