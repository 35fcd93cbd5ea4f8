import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { originalEventJson, parseEventText } from '@channels/contracts';
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
