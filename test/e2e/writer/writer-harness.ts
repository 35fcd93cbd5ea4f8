import { EVENTS_QUEUE, type StoredEvent } from '@channels/contracts';
import { BullmqEventQueue, bullPrefix } from '@channels/realtime';
import { BASE_REDIS_URL, type Stack } from '@channels/testing';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';

/**
 * What the writer scenarios share: the stack's database (seeded and inspected with plain SQL) and a
 * producer on the stack's queue — the same `BullmqEventQueue` gateways and admin-api use.
 */
export class WriterHarness {
  readonly db: Pool;
  readonly queue: BullmqEventQueue;
  private readonly offsets = new Map<string, number>();

  constructor(
    readonly stack: Stack,
    readonly appID = 'writer-e2e',
  ) {
    this.db = new Pool({ connectionString: stack.databaseUrl, max: 2 });
    this.queue = new BullmqEventQueue({ redisUrl: BASE_REDIS_URL, keyPrefix: stack.redisPrefix });
  }

  async seed(
    channelIDs: string[],
    retention: { maxAgeSeconds?: number; maxCount?: number } = {},
  ): Promise<void> {
    await this.db.query('INSERT INTO apps (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [this.appID]);
    for (const id of channelIDs) {
      await this.db.query(
        `INSERT INTO channels (app_id, id, persistent, retention_max_age_seconds, retention_max_count)
         VALUES ($1, $2, true, $3, $4)`,
        [this.appID, id, retention.maxAgeSeconds ?? null, retention.maxCount ?? null],
      );
    }
  }

  /** The next event of a channel (offsets 1, 2, 3… per channel, like the broker assigns them). */
  event(channelID: string, over: Partial<StoredEvent> = {}): StoredEvent {
    const offset = (this.offsets.get(channelID) ?? 0) + 1;
    this.offsets.set(channelID, offset);
    return {
      appID: this.appID,
      channelID,
      offset,
      epoch: 'epoch-1',
      id: `${channelID}-${offset}`,
      eventType: 'message',
      payload: { text: `event ${offset} of ${channelID}`, n: offset },
      senderID: 'alice',
      timestamp: Date.now(),
      ...over,
    };
  }

  events(channelIDs: string[], perChannel: number): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = 0; i < perChannel; i++) for (const c of channelIDs) out.push(this.event(c));
    return out;
  }

  /** Enqueues every event; resolves when all are durable in the queue. */
  async enqueue(events: StoredEvent[]): Promise<void> {
    await Promise.all(events.map((e) => this.queue.enqueue(e)));
  }

  async rowCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE app_id = $1',
      [this.appID],
    );
    return rows[0].n;
  }

  /** Stored (channel, offset, id) triples, in channel then offset order. */
  async stored(): Promise<{ channel_id: string; offset: number; id: string; payload: unknown }[]> {
    const { rows } = await this.db.query(
      `SELECT channel_id, "offset"::int AS "offset", id, payload FROM events WHERE app_id = $1
       ORDER BY channel_id, "offset"`,
      [this.appID],
    );
    return rows;
  }

  async deadLetters(): Promise<{ channel_id: string; offset: number; event_id: string; reason: string }[]> {
    const { rows } = await this.db.query(
      `SELECT channel_id, "offset"::int AS "offset", event_id, reason FROM dead_letters WHERE app_id = $1
       ORDER BY channel_id, "offset"`,
      [this.appID],
    );
    return rows;
  }

  /** Jobs of the stack's persistence queue by state, read straight from Redis. */
  async jobCounts(): Promise<Record<string, number>> {
    const connection = new Redis(BASE_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(EVENTS_QUEUE, { connection, prefix: bullPrefix(this.stack.redisPrefix) });
    try {
      return await queue.getJobCounts('wait', 'active', 'delayed', 'failed');
    } finally {
      await queue.close();
      await connection.quit();
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.db.end();
  }
}

/** Polls `probe` until it returns true (or throws after `timeoutMs` with the last value seen). */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads one sample of a Prometheus metric from a service (sum over label sets when `labels` is omitted). */
export async function metric(url: string, name: string, labels?: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    if (labels === undefined || m[1] === `{${labels}}`) sum += Number(m[2]);
  }
  return sum;
}

/** The expected (channel, offset) keys of events, sorted like `stored()`. */
export const keysOf = (events: StoredEvent[]) =>
  events
    .map((e) => `${e.channelID}/${e.offset}`)
    .sort((a, b) => {
      const [ca, oa] = a.split('/');
      const [cb, ob] = b.split('/');
      return ca === cb ? Number(oa) - Number(ob) : ca < cb ? -1 : 1;
    });
