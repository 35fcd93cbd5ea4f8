import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { eventJson, originalEventJson, parseEventText } from '@channels/contracts';
import { Pool } from 'pg';
import { EventRepository } from './event.repository';
import { PrismaService } from './prisma.service';

const url = process.env['DATABASE_URL'] ?? '';

describe('EventRepository history queries (Postgres)', () => {
  const options = { url, poolSize: 2 };
  const prisma = new PrismaService(options);
  const repo = new EventRepository(prisma, options);
  const pool = new Pool({ connectionString: url, max: 1 });
  const appID = `history-it-${randomBytes(4).toString('hex')}`;
  const T0 = 1_700_000_000_000;

  beforeAll(async () => {
    await pool.query('INSERT INTO apps (id, name) VALUES ($1, $1)', [appID]);
    await pool.query(
      `INSERT INTO channels (app_id, id, persistent) VALUES ($1, 'c', true), ($1, 'other', true)`,
      [appID],
    );
    // Offsets 1..20, two events per millisecond: timestamps T0+1, T0+1, T0+2, T0+2, …
    await pool.query(
      `INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
       SELECT $1, 'c', g, 'ep', 'id-' || g, 'type', jsonb_build_object('n', g), 'alice', $2::bigint + (g + 1) / 2
       FROM generate_series(1, 20) g`,
      [appID, T0],
    );
    await pool.query(
      `INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
       VALUES ($1, 'other', 1, 'ep', 'x', 'type', '"a string stays a string"', 'bob', $2)`,
      [appID, T0],
    );
  });
  afterAll(async () => {
    await pool.query('DELETE FROM apps WHERE id = $1', [appID]);
    await pool.end();
    await repo.onModuleDestroy();
    await prisma.$disconnect();
  });

  const offsets = async (q: Parameters<EventRepository['query']>[0]) =>
    (await repo.query(q)).map((e) => e.offset);

  it('returns whole events in the wire shape', async () => {
    const [e] = await repo.query({ appID, channelID: 'c', order: 'desc', limit: 1 });
    expect(e).toEqual({
      id: 'id-20',
      channelID: 'c',
      offset: 20,
      epoch: 'ep',
      eventType: 'type',
      payload: { n: 20 },
      senderID: 'alice',
      timestamp: T0 + 10,
    });
    const [s] = await repo.query({ appID, channelID: 'other', order: 'asc', limit: 5 });
    expect(s.payload).toBe('a string stays a string');
  });

  it('gives canonical event texts with the payload exactly as Postgres holds it', async () => {
    await pool.query(
      `INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
       VALUES ($1, 'other', 2, 'ep', 'q"uote', 'ty,"payload":', $2::jsonb, 'eve ,"senderID":', $3)`,
      [appID, '{"senderID": "spoof", "big": 12345678901234567890, "s": "line\\nfeed \u00e9"}', T0 + 1],
    );
    const [t] = await repo.queryText({ appID, channelID: 'other', order: 'desc', limit: 1 });
    expect(t).toMatchObject({ offset: 2, timestamp: T0 + 1 });
    expect(t.json).not.toContain('\n');
    expect(t.json).toContain('"big": 12345678901234567890');
    expect(parseEventText(t.json)).toMatchObject({ offset: 2, timestamp: T0 + 1, json: t.json });
    expect(JSON.parse(t.json)).toEqual({
      id: 'q"uote',
      channelID: 'other',
      offset: 2,
      epoch: 'ep',
      eventType: 'ty,"payload":',
      payload: { senderID: 'spoof', big: Number('12345678901234567890'), s: 'line\nfeed \u00e9' },
      senderID: 'eve ,"senderID":',
      timestamp: T0 + 1,
    });
    expect(t.originalJson()).toBe(originalEventJson(t.json));
    expect(JSON.parse(t.originalJson())).toStrictEqual({
      senderID: 'eve ,"senderID":',
      eventType: 'ty,"payload":',
      payload: { senderID: 'spoof', big: Number('12345678901234567890'), s: 'line\nfeed \u00e9' },
      channelID: 'other',
      timestamp: Math.floor((T0 + 1) / 1000),
    });
  });

  it('renders every string exactly as JSON.stringify does, in the order asked', async () => {
    // Control characters, quotes, backslashes, line separators, astral characters, layout keys.
    const nasty = [
      'tab\there\r\nnew"line\\',
      '\u0001\u0002\u001f\u007f \b\f',
      '\u2028\u2029 é 😀 中文',
      ',"offset":1,"epoch":"x","timestamp":2}',
      '',
    ];
    const rows = nasty.map((s, i) => ({
      offset: 10 + i,
      id: `id ${s}`,
      eventType: s.slice(0, 50),
      senderID: `s ${s}`,
      payload: { s, list: [s, i] },
      timestamp: T0 + 100 + i,
    }));
    for (const r of rows) {
      await pool.query(
        `INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
         VALUES ($1, 'other', $2, $3, $4, $5, $6::jsonb, $7, $8)`,
        [
          appID,
          r.offset,
          `ep ${nasty[1]}`,
          r.id,
          r.eventType,
          JSON.stringify(r.payload),
          r.senderID,
          r.timestamp,
        ],
      );
    }
    const texts = await repo.queryText({
      appID,
      channelID: 'other',
      afterOffset: 9,
      order: 'asc',
      limit: 100,
    });
    expect(texts.map((t) => t.offset)).toEqual(rows.map((r) => r.offset));
    const { rows: payloads } = await pool.query<{ p: string }>(
      `SELECT payload::text AS p FROM events WHERE app_id = $1 AND channel_id = 'other' AND "offset" >= 10 ORDER BY "offset"`,
      [appID],
    );
    texts.forEach((t, i) => {
      const r = rows[i];
      expect(t.json).toBe(
        eventJson({ ...r, channelID: 'other', epoch: `ep ${nasty[1]}`, payloadJson: payloads[i].p }),
      );
      expect(JSON.parse(t.json)).toEqual({ ...r, channelID: 'other', epoch: `ep ${nasty[1]}` });
      expect(t.timestamp).toBe(r.timestamp);
    });
    const desc = await repo.queryText({
      appID,
      channelID: 'other',
      since: T0 + 100,
      order: 'desc',
      limit: 3,
    });
    expect(desc.map((t) => t.offset)).toEqual([14, 13, 12]);
    await pool.query(`DELETE FROM events WHERE app_id = $1 AND channel_id = 'other' AND "offset" >= 10`, [
      appID,
    ]);
  });

  it('answers an empty range with no events', async () => {
    expect(await repo.queryText({ appID, channelID: 'c', afterOffset: 20, order: 'asc', limit: 10 })).toEqual(
      [],
    );
  });

  it('pages by offset in both orders, bounds exclusive', async () => {
    expect(await offsets({ appID, channelID: 'c', order: 'desc', limit: 3 })).toEqual([20, 19, 18]);
    expect(await offsets({ appID, channelID: 'c', afterOffset: 17, order: 'asc', limit: 10 })).toEqual([
      18, 19, 20,
    ]);
    expect(
      await offsets({ appID, channelID: 'c', afterOffset: 2, beforeOffset: 6, order: 'asc', limit: 10 }),
    ).toEqual([3, 4, 5]);
    expect(await offsets({ appID, channelID: 'c', beforeOffset: 3, order: 'desc', limit: 10 })).toEqual([
      2, 1,
    ]);
  });

  it('filters by time, bounds inclusive, ordered by time then offset', async () => {
    expect(await offsets({ appID, channelID: 'c', since: T0 + 9, order: 'asc', limit: 10 })).toEqual([
      17, 18, 19, 20,
    ]);
    expect(await offsets({ appID, channelID: 'c', until: T0 + 2, order: 'desc', limit: 10 })).toEqual([
      4, 3, 2, 1,
    ]);
    expect(
      await offsets({ appID, channelID: 'c', since: T0 + 3, until: T0 + 4, order: 'asc', limit: 10 }),
    ).toEqual([5, 6, 7, 8]);
    expect(
      await offsets({ appID, channelID: 'c', since: T0 + 3, until: T0 + 4, order: 'desc', limit: 3 }),
    ).toEqual([8, 7, 6]);
  });

  it('never returns another channel or app', async () => {
    expect(await offsets({ appID, channelID: 'nope', order: 'desc', limit: 10 })).toEqual([]);
    expect(await offsets({ appID: `${appID}-x`, channelID: 'c', order: 'desc', limit: 10 })).toEqual([]);
  });
});
