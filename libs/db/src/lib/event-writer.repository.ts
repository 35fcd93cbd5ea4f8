import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '@channels/contracts';
import { PrismaService } from './prisma.service';

/** Why an event went to `dead_letters` instead of `events`. */
export const DeadLetterReason = {
  /** The event's channel does not exist (deleted after the publish was acked). */
  ChannelNotFound: 'channel_not_found',
  /** Another event (a different id) already holds this offset of the channel. */
  OffsetTaken: 'offset_taken',
  /** Postgres rejected the row itself; the reason carries SQLSTATE and message. */
  Rejected: 'rejected',
} as const;

export interface DeadLetterRecord {
  event: StoredEvent;
  /** `channel_not_found`, `offset_taken: …` or `rejected: <SQLSTATE> <message>`. */
  reason: string;
}

export interface EventWriteResult {
  /** Rows newly stored. */
  inserted: number;
  /** Events already stored earlier (re-delivered batch, re-published id): ignored. */
  duplicates: number;
  /** Events recorded in `dead_letters` (every event of the batch is in exactly one of the three). */
  deadLetters: DeadLetterRecord[];
  /** Statements that failed on their data and were split to isolate the poison rows. */
  bisections: number;
}

/**
 * Postgres could not take the write for a reason unrelated to the rows (unreachable, restarting,
 * out of connections, deadlock…). Nothing of the batch is known to be stored or dead-lettered
 * partially in a way that matters: retrying the same batch later is always safe.
 */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`storage unavailable: ${describeError(cause)}`, { cause });
    this.name = 'StorageUnavailableError';
  }
}

export interface ChannelKey {
  appID: string;
  channelID: string;
}

/** Effective retention of one channel (0 = no limit on that axis). */
export interface ChannelRetention extends ChannelKey {
  maxAgeSeconds: number;
  maxCount: number;
}

export interface RetentionDefaults {
  /** Applies to channels whose `retention_max_age_seconds` is null; 0 keeps forever. */
  maxAgeSeconds: number;
  /** Applies to channels whose `retention_max_count` is null; 0 keeps every event. */
  maxCount: number;
}

/**
 * SQLSTATE classes that mean "this data cannot be stored": 22 data exception (too long, bad
 * JSON…), 23 integrity violation (foreign key after a concurrent channel delete, not null…),
 * 54 program limit exceeded (index row too large). Any other failure is about availability.
 */
const REJECTION_CLASSES = ['22', '23', '54'];

const COLUMNS_SQL = `
  unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
    WITH ORDINALITY AS u(app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp", idx)`;

/**
 * One statement: stores every event whose channel exists (ON CONFLICT DO NOTHING on both unique
 * keys, so re-deliveries are no-ops), and reports how many rows were inserted and which input
 * positions (1-based) have no channel.
 */
const INSERT_SQL = `
WITH input AS MATERIALIZED (SELECT * FROM ${COLUMNS_SQL}),
ins AS (
  INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
  SELECT i.app_id, i.channel_id, i."offset", i.epoch, i.id, i.event_type, i.payload::jsonb, i.sender_id, i."timestamp"
  FROM input i JOIN channels c ON c.app_id = i.app_id AND c.id = i.channel_id
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted,
       (SELECT coalesce(array_agg(i.idx::int), '{}') FROM input i
         WHERE NOT EXISTS (SELECT 1 FROM channels c WHERE c.app_id = i.app_id AND c.id = i.channel_id)) AS orphans`;

/** Input positions whose id is not stored in their channel (after an insert that skipped rows). */
const UNSTORED_SQL = `
SELECT u.idx::int AS idx
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(app_id, channel_id, id, idx)
WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.app_id = u.app_id AND e.channel_id = u.channel_id AND e.id = u.id)
  AND EXISTS (SELECT 1 FROM channels c WHERE c.app_id = u.app_id AND c.id = u.channel_id)`;

/** Records dead letters; one already recorded for the same event (re-delivery) is not repeated. */
const DEAD_LETTER_SQL = `
INSERT INTO dead_letters (app_id, channel_id, "offset", event_id, event, reason)
SELECT u.app_id, u.channel_id, u."offset", u.event_id, u.event::jsonb, u.reason
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
  AS u(app_id, channel_id, "offset", event_id, event, reason)
WHERE NOT EXISTS (
  SELECT 1 FROM dead_letters d
  WHERE d.app_id = u.app_id AND d.channel_id = u.channel_id AND d.event_id = u.event_id AND d."offset" = u."offset")`;

/**
 * The persistence writer's storage: bulk, idempotent inserts of acked events, dead letters for
 * what cannot be stored, and retention deletes.
 */
@Injectable()
export class EventWriterRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Stores a batch exactly once. Every event ends up either stored (now or earlier) or in
   * `dead_letters` with its reason; a row Postgres rejects never fails its neighbours (the batch
   * is bisected down to the poison rows). Throws `StorageUnavailableError` only when Postgres is
   * not available; calling again with the same batch is then always safe.
   */
  async writeBatch(events: StoredEvent[]): Promise<EventWriteResult> {
    const result: EventWriteResult = { inserted: 0, duplicates: 0, deadLetters: [], bisections: 0 };
    if (events.length === 0) return result;
    await this.writeIsolating(events, result);
    if (result.deadLetters.length > 0) await this.recordDeadLetters(result.deadLetters);
    return result;
  }

  private async writeIsolating(events: StoredEvent[], result: EventWriteResult): Promise<void> {
    try {
      await this.insert(events, result);
    } catch (e) {
      const rejection = rejectionOf(e);
      if (rejection === null) throw new StorageUnavailableError(e);
      if (events.length === 1) {
        result.deadLetters.push({ event: events[0], reason: rejection });
        return;
      }
      result.bisections++;
      const mid = events.length >> 1;
      await this.writeIsolating(events.slice(0, mid), result);
      await this.writeIsolating(events.slice(mid), result);
    }
  }

  private async insert(events: StoredEvent[], result: EventWriteResult): Promise<void> {
    const rows = await this.prisma.$queryRawUnsafe<{ inserted: number; orphans: number[] }[]>(
      INSERT_SQL,
      events.map((e) => e.appID),
      events.map((e) => e.channelID),
      events.map((e) => String(e.offset)),
      events.map((e) => e.epoch),
      events.map((e) => e.id),
      events.map((e) => e.eventType),
      events.map((e) => JSON.stringify(e.payload ?? null)),
      events.map((e) => e.senderID),
      events.map((e) => String(e.timestamp)),
    );
    const { inserted, orphans } = rows[0];
    for (const idx of orphans) {
      result.deadLetters.push({ event: events[idx - 1], reason: DeadLetterReason.ChannelNotFound });
    }
    result.inserted += inserted;
    const skipped = events.length - inserted - orphans.length;
    if (skipped === 0) return;
    // Some rows hit a unique key. Same id already stored: a duplicate. Otherwise the offset is
    // held by a different event (the offset sequence was reset): keep this one as a dead letter.
    const unstored = await this.prisma.$queryRawUnsafe<{ idx: number }[]>(
      UNSTORED_SQL,
      events.map((e) => e.appID),
      events.map((e) => e.channelID),
      events.map((e) => e.id),
    );
    for (const { idx } of unstored) {
      const e = events[idx - 1];
      result.deadLetters.push({
        event: e,
        reason: `${DeadLetterReason.OffsetTaken}: offset ${e.offset} holds another event`,
      });
    }
    result.duplicates += skipped - unstored.length;
  }

  /** Idempotent: an event already dead-lettered (same app, channel, id, offset) is not repeated. */
  async recordDeadLetters(records: DeadLetterRecord[]): Promise<void> {
    try {
      await this.prisma.$executeRawUnsafe(
        DEAD_LETTER_SQL,
        records.map((r) => clip(r.event.appID, 150)),
        records.map((r) => clip(r.event.channelID, 100)),
        records.map((r) => (Number.isSafeInteger(r.event.offset) ? String(r.event.offset) : null)),
        records.map((r) => clip(String(r.event.id), 128)),
        records.map((r) => JSON.stringify(sanitize(r.event))),
        records.map((r) => clip(r.reason, 2000)),
      );
    } catch (e) {
      throw new StorageUnavailableError(e);
    }
  }

  /**
   * One page of channels in key order after `after`, with their effective retention (own limits,
   * else the defaults). `channels` holds only those with some limit; `next` is where the following
   * page starts (null after the last page).
   */
  async retentionPage(
    defaults: RetentionDefaults,
    after: ChannelKey | null,
    limit: number,
  ): Promise<{ channels: ChannelRetention[]; next: ChannelKey | null }> {
    const rows = await this.prisma.$queryRawUnsafe<
      { app_id: string; id: string; age: number; count: number }[]
    >(
      `SELECT app_id, id,
              coalesce(retention_max_age_seconds, $1::int) AS age,
              coalesce(retention_max_count, $2::int) AS count
       FROM channels
       WHERE ($3::text IS NULL OR (app_id, id) > ($3::text, $4::text))
       ORDER BY app_id, id
       LIMIT $5::int`,
      defaults.maxAgeSeconds,
      defaults.maxCount,
      after?.appID ?? null,
      after?.channelID ?? '',
      limit,
    );
    const last = rows[rows.length - 1];
    return {
      channels: rows
        .filter((r) => r.age > 0 || r.count > 0)
        .map((r) => ({ appID: r.app_id, channelID: r.id, maxAgeSeconds: r.age, maxCount: r.count })),
      next: rows.length === limit && last ? { appID: last.app_id, channelID: last.id } : null,
    };
  }

  /** Deletes at most `limit` events of the channel older than `cutoffMs`; returns how many. */
  async deleteOlderThan(appID: string, channelID: string, cutoffMs: number, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM events WHERE app_id = ${appID} AND channel_id = ${channelID} AND "offset" IN (
        SELECT "offset" FROM events
        WHERE app_id = ${appID} AND channel_id = ${channelID} AND "timestamp" < ${BigInt(cutoffMs)}
        ORDER BY "timestamp" LIMIT ${limit})`;
  }

  /** The offset at and below which events fall outside the newest `keep` (null when fewer). */
  async countCutoffOffset(appID: string, channelID: string, keep: number): Promise<number | null> {
    const rows = await this.prisma.$queryRaw<{ offset: bigint }[]>`
      SELECT "offset" FROM events WHERE app_id = ${appID} AND channel_id = ${channelID}
      ORDER BY "offset" DESC OFFSET ${keep} LIMIT 1`;
    return rows[0] ? Number(rows[0].offset) : null;
  }

  /** Deletes at most `limit` events of the channel with offset <= `maxOffset`; returns how many. */
  async deleteUpToOffset(
    appID: string,
    channelID: string,
    maxOffset: number,
    limit: number,
  ): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM events WHERE app_id = ${appID} AND channel_id = ${channelID} AND "offset" IN (
        SELECT "offset" FROM events
        WHERE app_id = ${appID} AND channel_id = ${channelID} AND "offset" <= ${BigInt(maxOffset)}
        ORDER BY "offset" LIMIT ${limit})`;
  }
}

/** `rejected: <SQLSTATE> <message>` when Postgres refused the data itself, else null. */
export function rejectionOf(e: unknown): string | null {
  const cause = (e as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } } | null)?.meta
    ?.driverAdapterError?.cause;
  const code = typeof cause?.['originalCode'] === 'string' ? cause['originalCode'] : cause?.['code'];
  if (typeof code !== 'string' || !REJECTION_CLASSES.includes(code.slice(0, 2))) return null;
  const message = String(cause?.['originalMessage'] ?? cause?.['message'] ?? 'rejected');
  const detail = typeof cause?.['detail'] === 'string' ? ` (${cause['detail']})` : '';
  if (code === '23503') return `${DeadLetterReason.ChannelNotFound}: ${message}`;
  return `${DeadLetterReason.Rejected}: ${code} ${message}${detail}`;
}

function describeError(e: unknown): string {
  const cause = (e as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } } | null)?.meta
    ?.driverAdapterError?.cause;
  if (cause) return String(cause['originalMessage'] ?? cause['message'] ?? cause['kind'] ?? 'driver error');
  return e instanceof Error ? (e.message.trim().split('\n').pop() ?? e.name) : String(e);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function clip(s: string, max: number): string {
  return cleanString(s).slice(0, max);
}

/** Strings Postgres text/jsonb accept: no NUL characters, no lone surrogates. */
function cleanString(s: string): string {
  return s.split('\u0000').join('\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

/** A copy of `value` every string of which Postgres jsonb accepts (dead letters must always store). */
function sanitize(value: unknown): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(sanitize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanString(k), sanitize(v)]));
  }
  return value;
}
