import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { StoredEvent } from '@channels/contracts';
import { Pool } from 'pg';
import { EventWriterRepository, StorageUnavailableError } from './event-writer.repository';
import { PrismaService } from './prisma.service';

const url = process.env['DATABASE_URL'] ?? '';

describe('EventWriterRepository (Postgres)', () => {
  const prisma = new PrismaService({ url, poolSize: 4 });
  const pool = new Pool({ connectionString: url, max: 2 });
  const repo = new EventWriterRepository({ url, poolSize: 4 });
  const appID = `writer-it-${randomBytes(4).toString('hex')}`;

  const event = (channelID: string, offset: number, over: Partial<StoredEvent> = {}): StoredEvent => ({
    appID,
    channelID,
    offset,
    epoch: 'ep1',
    id: `${channelID}-id-${offset}`,
    eventType: 'message',
    payload: { text: `hello ${offset}`, n: offset },
    senderID: 'alice',
    timestamp: 1_700_000_000_000 + offset,
    ...over,
  });
  const range = (channelID: string, from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => event(channelID, from + i));

  const stored = async (channelID: string) =>
    prisma.$queryRaw<{ offset: bigint; id: string; payload: unknown }[]>`
      SELECT "offset", id, payload FROM events WHERE app_id = ${appID} AND channel_id = ${channelID} ORDER BY "offset"`;
  const deadLetters = async (channelID: string) =>
    prisma.$queryRaw<{ offset: bigint; event_id: string; reason: string; event: StoredEvent }[]>`
      SELECT "offset", event_id, reason, event FROM dead_letters WHERE app_id = ${appID} AND channel_id = ${channelID}
      ORDER BY "offset"`;
  const createChannel = async (id: string, retention: { age?: number; count?: number } = {}) =>
    prisma.$executeRaw`INSERT INTO channels (app_id, id, persistent, retention_max_age_seconds, retention_max_count)
      VALUES (${appID}, ${id}, true, ${retention.age ?? null}, ${retention.count ?? null})`;

  beforeAll(async () => {
    await prisma.$executeRaw`INSERT INTO apps (id, name) VALUES (${appID}, 'writer it')`;
    for (const ch of ['a', 'b', 'dup', 'poison', 'mixed', 'age', 'count', 'forever']) await createChannel(ch);
  });
  afterAll(async () => {
    await prisma.$executeRaw`DELETE FROM dead_letters WHERE app_id = ${appID}`;
    await prisma.$executeRaw`DELETE FROM apps WHERE id = ${appID}`;
    await prisma.$disconnect();
    await repo.onModuleDestroy();
    await pool.end();
  });

  it('stores a batch across channels with payloads intact', async () => {
    const batch = [...range('a', 1, 300), ...range('b', 1, 199), event('b', 200, { payload: null })];
    const r = await repo.writeBatch(batch);
    expect(r).toMatchObject({ inserted: 500, duplicates: 0, deadLetters: [], copied: true });
    const rows = await stored('a');
    expect(rows.map((x) => Number(x.offset))).toEqual(range('a', 1, 300).map((e) => e.offset));
    expect(rows[41].payload).toEqual({ text: 'hello 42', n: 42 });
    const b = await stored('b');
    expect(b).toHaveLength(200);
    expect(b[199].payload).toBeNull();
  });

  it('keeps tabs, newlines, backslashes and unicode intact in every field', async () => {
    const tricky = event('a', 301, {
      id: 'id\twith\\tab',
      eventType: 'line\nbreak',
      senderID: 'back\\slash\r',
      payload: { text: 'a\tb\nc\\d \\N é 😀', nested: ['\\', '\t'] },
    });
    expect(await repo.writeBatch([tricky])).toMatchObject({ inserted: 1, copied: true });
    const { rows } = await pool.query(
      `SELECT id, event_type, sender_id, payload FROM events WHERE app_id = $1 AND channel_id = 'a' AND "offset" = 301`,
      [appID],
    );
    expect(rows[0]).toEqual({
      id: tricky.id,
      event_type: tricky.eventType,
      sender_id: tricky.senderID,
      payload: tricky.payload,
    });
  });

  it('ignores re-delivered batches and re-published ids, storing each event once', async () => {
    const batch = range('dup', 1, 50);
    expect((await repo.writeBatch(batch)).inserted).toBe(50);
    const again = await repo.writeBatch(batch);
    expect(again).toMatchObject({ inserted: 0, duplicates: 50, deadLetters: [], copied: false });
    // The same publisher id published again got a new offset: the id already stored wins.
    const republished = event('dup', 51, { id: 'dup-id-7' });
    const withinBatch = [event('dup', 52), event('dup', 52)];
    const r = await repo.writeBatch([republished, ...withinBatch]);
    expect(r).toMatchObject({ inserted: 1, duplicates: 2, deadLetters: [] });
    const rows = await stored('dup');
    expect(rows.map((x) => x.id)).toEqual([...range('dup', 1, 50).map((e) => e.id), 'dup-id-52']);
  });

  it('dead-letters events whose channel no longer exists and stores the rest of the batch', async () => {
    const batch = [...range('mixed', 1, 10), event('gone', 1), event('gone', 2), ...range('mixed', 11, 20)];
    const r = await repo.writeBatch(batch);
    expect(r.inserted).toBe(20);
    expect(r.deadLetters.map((d) => [d.event.offset, d.reason])).toEqual([
      [1, 'channel_not_found'],
      [2, 'channel_not_found'],
    ]);
    const dl = await deadLetters('gone');
    expect(dl.map((d) => [Number(d.offset), d.event_id, d.reason])).toEqual([
      [1, 'gone-id-1', 'channel_not_found'],
      [2, 'gone-id-2', 'channel_not_found'],
    ]);
    expect(dl[0].event).toMatchObject({ channelID: 'gone', payload: { text: 'hello 1', n: 1 } });
    // Re-delivery does not record the dead letters twice.
    await repo.writeBatch(batch);
    expect(await deadLetters('gone')).toHaveLength(2);
  });

  it('isolates rows Postgres rejects into dead letters with the reason, storing every other row', async () => {
    const batch = range('poison', 1, 64);
    batch[9] = event('poison', 10, { eventType: 'x'.repeat(80) });
    batch[40] = event('poison', 41, { payload: { text: 'nul \u0000 inside' } });
    const r = await repo.writeBatch(batch);
    expect(r.inserted).toBe(62);
    expect(r.bisections).toBeGreaterThan(0);
    const dl = await deadLetters('poison');
    expect(dl.map((d) => Number(d.offset))).toEqual([10, 41]);
    expect(dl[0].reason).toMatch(/^rejected: 22001 value too long/);
    expect(dl[1].reason).toMatch(/^rejected: 22P05/);
    expect(dl[1].event.payload).toEqual({ text: 'nul \ufffd inside' });
    expect((await stored('poison')).map((x) => Number(x.offset))).toEqual(
      range('poison', 1, 64)
        .map((e) => e.offset)
        .filter((o) => o !== 10 && o !== 41),
    );
  });

  it('dead-letters an event whose offset is held by a different event', async () => {
    await repo.writeBatch([event('b', 500)]);
    const r = await repo.writeBatch([event('b', 500, { id: 'other-epoch-event', epoch: 'ep2' })]);
    expect(r.inserted).toBe(0);
    expect(r.deadLetters[0].reason).toMatch(/^offset_taken/);
  });

  it('reports an unreachable database as StorageUnavailableError', async () => {
    const down = new EventWriterRepository({ url: 'postgresql://postgres@127.0.0.1:1/none', poolSize: 1 });
    await expect(down.writeBatch([event('a', 1000)])).rejects.toBeInstanceOf(StorageUnavailableError);
    await down.onModuleDestroy();
  });

  describe('retention', () => {
    beforeAll(async () => {
      await prisma.$executeRaw`UPDATE channels SET retention_max_age_seconds = 60 WHERE app_id = ${appID} AND id = 'age'`;
      await prisma.$executeRaw`UPDATE channels SET retention_max_count = 5 WHERE app_id = ${appID} AND id = 'count'`;
      await prisma.$executeRaw`UPDATE channels SET retention_max_age_seconds = 0, retention_max_count = 0
        WHERE app_id = ${appID} AND id = 'forever'`;
    });

    it('lists each channel with its own limits or the defaults', async () => {
      const all = [];
      let after: { appID: string; channelID: string } | null = { appID, channelID: '' };
      while (after && after.appID === appID) {
        const page = await repo.retentionPage({ maxAgeSeconds: 0, maxCount: 1000 }, after, 3);
        all.push(...page.channels);
        after = page.next;
      }
      const mine = all.filter((c) => c.appID === appID);
      expect(mine.find((c) => c.channelID === 'age')).toEqual({
        appID,
        channelID: 'age',
        maxAgeSeconds: 60,
        maxCount: 1000,
      });
      expect(mine.find((c) => c.channelID === 'count')).toMatchObject({ maxAgeSeconds: 0, maxCount: 5 });
      expect(mine.find((c) => c.channelID === 'forever')).toBeUndefined();
      expect(mine.find((c) => c.channelID === 'a')).toMatchObject({ maxAgeSeconds: 0, maxCount: 1000 });
    });

    it('deletes by age and by count in bounded batches, oldest first', async () => {
      const now = Date.now();
      await repo.writeBatch(
        range('age', 1, 30).map((e) => ({ ...e, timestamp: e.offset <= 20 ? now - 120_000 : now })),
      );
      expect(await repo.deleteOlderThan(appID, 'age', now - 60_000, 8)).toBe(8);
      expect(await repo.deleteOlderThan(appID, 'age', now - 60_000, 100)).toBe(12);
      expect((await stored('age')).map((x) => Number(x.offset))).toEqual(
        range('age', 21, 30).map((e) => e.offset),
      );

      await repo.writeBatch(range('count', 1, 12));
      const cutoff = await repo.countCutoffOffset(appID, 'count', 5);
      expect(cutoff).toBe(7);
      expect(await repo.deleteUpToOffset(appID, 'count', cutoff ?? 0, 4)).toBe(4);
      expect(await repo.deleteUpToOffset(appID, 'count', cutoff ?? 0, 4)).toBe(3);
      expect((await stored('count')).map((x) => Number(x.offset))).toEqual([8, 9, 10, 11, 12]);
      expect(await repo.countCutoffOffset(appID, 'count', 5)).toBeNull();
    });
  });
});
