import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { ChannelRepository, type ImplicitChannelSettings } from './channel.repository';
import { NamespaceRepository } from './namespace.repository';
import { PrismaService } from './prisma.service';

const url = process.env['DATABASE_URL'] ?? '';

const settings = (over: Partial<ImplicitChannelSettings> = {}): ImplicitChannelSettings => ({
  persistent: false,
  private: false,
  presence: false,
  historySize: null,
  historyTTLSeconds: null,
  clientPublish: true,
  joinLeave: true,
  ...over,
});

describe('channels made on first use, namespaces, user-limited listings (Postgres)', () => {
  const prisma = new PrismaService({ url, poolSize: 4 });
  const channels = new ChannelRepository(prisma);
  const namespaces = new NamespaceRepository(prisma);
  const pool = new Pool({ connectionString: url, max: 1 });
  const appID = `implicit-it-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await pool.query('INSERT INTO apps (id, name) VALUES ($1, $1)', [appID]);
  });
  afterAll(async () => {
    await pool.query('DELETE FROM apps WHERE id = $1', [appID]);
    await pool.end();
    await prisma.$disconnect();
  });

  it('makes one row when many processes race to make the same channel, with the given settings', async () => {
    const made = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        channels.ensure(appID, 'room:race', settings({ persistent: true, historySize: 10 + i })),
      ),
    );
    const ids = new Set(made.map((c) => c?.channelID));
    expect(ids).toEqual(new Set(['room:race']));
    const sizes = new Set(made.map((c) => c?.historySize));
    expect(sizes.size).toBe(1);
    expect(made[0]).toMatchObject({ persistent: true, autoCreated: true, clientPublish: true });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM channels WHERE app_id = $1', [appID]);
    expect(rows[0].n).toBe(1);
  });

  it('makes nothing for an app that does not exist', async () => {
    expect(await channels.ensure(`${appID}-gone`, 'room:x', settings())).toBeNull();
  });

  it('gives new namespace settings to the implicit channels of the namespace only', async () => {
    await channels.ensure(appID, 'chat:a', settings());
    await channels.ensure(appID, 'chat:b#u1,u2', settings());
    await channels.ensure(appID, 'chatter:c', settings());
    await channels.create({
      appID,
      channelID: 'chat:explicit',
      name: '',
      persistent: false,
      private: false,
      presence: false,
      extra: '',
    });
    await channels.ensure(appID, 'chat:changed', settings());
    await channels.update(appID, 'chat:changed', { name: 'mine' });
    const followed = await channels.followNamespace(
      appID,
      'chat',
      settings({ presence: true, historyTTLSeconds: 60, clientPublish: false }),
    );
    expect(followed.sort()).toEqual(['chat:a', 'chat:b#u1,u2']);
    expect(await channels.find(appID, 'chat:a')).toMatchObject({
      presence: true,
      historyTTLSeconds: 60,
      clientPublish: false,
      autoCreated: true,
    });
    expect(await channels.find(appID, 'chatter:c')).toMatchObject({ presence: false });
    expect(await channels.find(appID, 'chat:explicit')).toMatchObject({
      presence: false,
      autoCreated: false,
    });
    expect(await channels.find(appID, 'chat:changed')).toMatchObject({ presence: false, autoCreated: false });
  });

  it('keeps an implicit channel following its namespace when it is closed or opened', async () => {
    await channels.ensure(appID, 'chat:closing', settings());
    expect(await channels.setClosed(appID, 'chat:closing', true)).toMatchObject({
      isClosed: true,
      autoCreated: true,
    });
  });

  it('lists user-limited channels only to the clients they name', async () => {
    for (const id of ['dm#alice,bob', 'dm#bob', '#alice', 'dm#alicex', 'open-one'])
      await channels.ensure(appID, id, settings());
    const visible = async (clientID: string) =>
      (await channels.listForClient(appID, clientID, 'open'))
        .map((c) => c.channelID)
        .filter((id) => !id.includes(':'));
    expect(await visible('alice')).toEqual(['#alice', 'dm#alice,bob', 'open-one']);
    expect(await visible('bob')).toEqual(['dm#alice,bob', 'dm#bob', 'open-one']);
    const page = await channels.pageForClient(appID, 'carol', 'open', { limit: 100 });
    expect(page.items.map((c) => c.channelID).filter((id) => !id.includes(':'))).toEqual(['open-one']);
  });

  it('stores namespaces per app with their settings', async () => {
    const ns = await namespaces.create(appID, 'room', { autoCreate: true, historySize: 5 });
    expect(ns).toMatchObject({
      name: 'room',
      autoCreate: true,
      historySize: 5,
      clientPublish: true,
      joinLeave: true,
    });
    await expect(namespaces.create(appID, 'room', {})).rejects.toMatchObject({ code: 'conflict' });
    expect(await namespaces.update(appID, 'room', { historySize: null, private: true })).toMatchObject({
      historySize: null,
      private: true,
      autoCreate: true,
    });
    expect((await namespaces.list(appID)).map((n) => n.name)).toEqual(['room']);
    expect(await namespaces.delete(appID, 'room')).toBe(true);
    expect(await namespaces.find(appID, 'room')).toBeNull();
    await expect(namespaces.update(appID, 'room', { private: true })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
