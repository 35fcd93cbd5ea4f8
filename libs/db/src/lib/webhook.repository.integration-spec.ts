import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PrismaService } from './prisma.service';
import type { NewWebhookDelivery } from './webhook.repository';
import { WebhookRepository } from './webhook.repository';

const url = process.env['DATABASE_URL'] ?? '';

describe('WebhookRepository (Postgres)', () => {
  const prisma = new PrismaService({ url, poolSize: 2 });
  const repo = new WebhookRepository(prisma);
  const pool = new Pool({ connectionString: url, max: 1 });
  const appID = `wh-it-${randomBytes(4).toString('hex')}`;
  const delivery = (sequence: number): NewWebhookDelivery => ({
    id: randomUUID(),
    appID,
    type: 'member_added',
    channelID: 'room',
    clientID: 'ann',
    sequence,
    body: `{"sequence":${sequence}}`,
  });

  beforeAll(() => pool.query('INSERT INTO apps (id, name) VALUES ($1, $1)', [appID]));
  afterAll(async () => {
    await pool.query('DELETE FROM apps WHERE id = $1', [appID]);
    await pool.end();
    await prisma.$disconnect();
  });

  it('stores, replaces and deletes the setting; the target carries the API secret', async () => {
    expect(await repo.settings(appID)).toBeNull();
    await expect(repo.putSettings('no-such-app', { url: 'http://x/', types: [] })).rejects.toThrow(
      /not found/,
    );
    await repo.putSettings(appID, { url: 'http://a/', types: ['member_added'] });
    const put = await repo.putSettings(appID, {
      url: 'http://b/',
      types: ['channel_occupied', 'member_removed'],
    });
    expect(put).toEqual({ url: 'http://b/', types: ['channel_occupied', 'member_removed'] });
    expect((await repo.allTypes()).get(appID)).toEqual(['channel_occupied', 'member_removed']);
    const { rows } = await pool.query<{ api_secret: string }>('SELECT api_secret FROM apps WHERE id = $1', [
      appID,
    ]);
    expect(await repo.target(appID)).toEqual({ ...put, apiSecret: rows[0].api_secret });
    expect(await repo.deleteSettings(appID)).toBe(true);
    expect(await repo.deleteSettings(appID)).toBe(false);
    expect(await repo.target(appID)).toBeNull();
  });

  it('records attempts in order, lists by status newest first in pages, and marks failed ones for retry', async () => {
    const a = delivery(1);
    const b = delivery(2);
    expect(
      await repo.recordAttempt(
        a,
        { at: 1, statusCode: 500, error: 'answered HTTP 500', durationMs: 3 },
        'pending',
      ),
    ).toBe(true);
    await repo.recordAttempt(a, { at: 2, statusCode: 204, durationMs: 2 }, 'delivered');
    await new Promise((r) => setTimeout(r, 5)); // distinct created_at
    await repo.recordAttempt(b, { at: 3, error: 'no answer within 10 ms', durationMs: 10 }, 'failed');
    expect(
      await repo.recordAttempt({ ...delivery(3), appID: 'no-such-app' }, { at: 4, durationMs: 1 }, 'pending'),
    ).toBe(false);

    const found = await repo.find(appID, a.id);
    expect(found).toMatchObject({
      status: 'delivered',
      sequence: 1,
      body: a.body,
      channelID: 'room',
      clientID: 'ann',
    });
    expect(found?.attempts).toEqual([
      { at: 1, statusCode: 500, error: 'answered HTTP 500', durationMs: 3 },
      { at: 2, statusCode: 204, durationMs: 2 },
    ]);
    const first = await repo.list(appID, { limit: 1 });
    expect(first.items.map((d) => d.id)).toEqual([b.id]);
    const second = await repo.list(appID, { limit: 1, cursor: first.nextCursor ?? '' });
    expect(second.items.map((d) => d.id)).toEqual([a.id]);
    expect(second.nextCursor).toBeNull();
    expect((await repo.list(appID, { limit: 10, status: 'failed' })).items.map((d) => d.id)).toEqual([b.id]);
    await expect(repo.list(appID, { limit: 1, cursor: 'bogus!' })).rejects.toThrow(/cursor/);

    expect(await repo.markForRetry(appID, a.id)).toMatchObject({
      marked: false,
      delivery: { status: 'delivered' },
    });
    expect(await repo.markForRetry(appID, b.id)).toMatchObject({
      marked: true,
      delivery: { status: 'pending' },
    });
    expect(await repo.markForRetry(appID, b.id)).toMatchObject({ marked: false });
    await repo.unmarkRetry(appID, b.id);
    expect((await repo.find(appID, b.id))?.status).toBe('failed');
    expect(await repo.markForRetry(appID, randomUUID())).toBeNull();
    expect(await repo.markForRetry(appID, 'not-a-uuid')).toBeNull();
  });
});
