import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { AppRepository } from './app.repository';
import { PrismaService } from './prisma.service';

const url = process.env['DATABASE_URL'] ?? '';
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

describe('app API secrets (Postgres)', () => {
  const prisma = new PrismaService({ url, poolSize: 2 });
  const apps = new AppRepository(prisma);
  const pool = new Pool({ connectionString: url, max: 1 });
  const run = randomBytes(4).toString('hex');
  const ids = ['a', 'b', 'raw'].map((x) => `secret-it-${run}-${x}`);

  afterAll(async () => {
    await pool.query('DELETE FROM apps WHERE id = ANY($1)', [ids]);
    await pool.end();
    await prisma.$disconnect();
  });

  it('gives every app its own secret at creation, also one inserted without the repository', async () => {
    const a = await apps.create(ids[0], 'A');
    const b = await apps.create(ids[1], 'B');
    await pool.query('INSERT INTO apps (id, name) VALUES ($1, $1)', [ids[2]]);
    const raw = await apps.apiSecret(ids[2]);
    for (const s of [a.apiSecret, b.apiSecret, raw]) expect(s).toMatch(BASE64URL_32_BYTES);
    expect(new Set([a.apiSecret, b.apiSecret, raw]).size).toBe(3);
    expect(await apps.apiSecret(ids[0])).toBe(a.apiSecret);
    expect(await apps.findWithApiSecret(ids[0])).toEqual({
      ...(await apps.find(ids[0])),
      apiSecret: a.apiSecret,
    });
    // Lists and plain reads never carry it.
    expect(await apps.find(ids[0])).not.toHaveProperty('apiSecret');
    const page = await apps.list({ limit: 10, appIDs: ids });
    for (const app of page.items) expect(app).not.toHaveProperty('apiSecret');
  });

  it('rotates a secret to a new random one, and knows no secret of an unknown app', async () => {
    const before = await apps.apiSecret(ids[1]);
    const after = await apps.rotateApiSecret(ids[1]);
    expect(after).toMatch(BASE64URL_32_BYTES);
    expect(after).not.toBe(before);
    expect(await apps.apiSecret(ids[1])).toBe(after);
    expect(await apps.rotateApiSecret(`secret-it-${run}-none`)).toBeNull();
    expect(await apps.apiSecret(`secret-it-${run}-none`)).toBeNull();
  });
});
