import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { AppRepository } from './app.repository';
import { ChannelRepository } from './channel.repository';
import { ClientRepository } from './client.repository';
import { PrismaService } from './prisma.service';
import { TokenRevocationRepository } from './token-revocation.repository';

const url = process.env['DATABASE_URL'] ?? '';

describe('deletes that revoke tokens and return members (Postgres)', () => {
  const prisma = new PrismaService({ url, poolSize: 2 });
  const apps = new AppRepository(prisma);
  const clients = new ClientRepository(prisma);
  const channels = new ChannelRepository(prisma);
  const revocations = new TokenRevocationRepository(prisma);
  const pool = new Pool({ connectionString: url, max: 1 });
  const appID = `revoke-it-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await pool.query('INSERT INTO apps (id, name) VALUES ($1, $1)', [appID]);
    await pool.query(`INSERT INTO clients (app_id, id) VALUES ($1, 'a'), ($1, 'b'), ($1, 'c')`, [appID]);
    await pool.query(`INSERT INTO channels (app_id, id) VALUES ($1, 'room'), ($1, 'other')`, [appID]);
    await pool.query(
      `INSERT INTO memberships (app_id, channel_id, client_id) VALUES ($1, 'room', 'a'), ($1, 'room', 'b'), ($1, 'other', 'a')`,
      [appID],
    );
  });
  afterAll(async () => {
    await pool.query('DELETE FROM apps WHERE id = $1', [appID]);
    await pool.query('DELETE FROM token_revocations WHERE app_id = $1', [appID]);
    await pool.end();
    await prisma.$disconnect();
  });

  it('deletes a channel and returns who its members were, leaving other channels alone', async () => {
    expect(await channels.deleteReturningMembers(appID, 'room')).toEqual(['a', 'b']);
    expect(await channels.find(appID, 'room')).toBeNull();
    expect(await channels.deleteReturningMembers(appID, 'room')).toBeNull();
    const left = await pool.query('SELECT channel_id FROM memberships WHERE app_id = $1', [appID]);
    expect(left.rows).toEqual([{ channel_id: 'other' }]);
  });

  it('records a revocation when a client is deleted, and only then', async () => {
    expect(await revocations.revokedAt(appID, 'a')).toBeNull();
    const before = Date.now();
    expect(await clients.delete(appID, 'a')).toBe(true);
    const at = await revocations.revokedAt(appID, 'a');
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(await clients.delete(appID, 'a')).toBe(false);
    expect(await clients.delete(appID, 'never')).toBe(false);
    expect(await revocations.revokedAt(appID, 'never')).toBeNull();
    expect(await revocations.ofApp(appID, 10)).toEqual({ app: null, clients: new Map([['a', at]]) });
    await clients.delete(appID, 'b');
    expect((await revocations.ofApp(appID, 1)).clients).toBeNull();
  });

  it('records a revocation of the whole app when the app is deleted, which outlives the app', async () => {
    expect(await apps.delete(appID)).toBe(true);
    const whole = await revocations.ofApp(appID, 10);
    expect(whole.app).toEqual(expect.any(Number));
    expect(await revocations.revokedAt(appID, 'c')).toBe(whole.app);
    expect([...(whole.clients?.keys() ?? [])].sort()).toEqual(['a', 'b']);
    expect(await apps.delete(appID)).toBe(false);
  });
});
