import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';

/** Where the repository lives (tests run from anywhere). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

export const BASE_PG_URL = process.env['TEST_PG_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const BASE_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** A unique name for this run's database / Redis key prefix. */
export const uniqueRunId = (kind: string): string =>
  `${kind}_${process.pid}_${randomBytes(4).toString('hex')}`;

export function databaseUrl(dbName: string): string {
  const u = new URL(BASE_PG_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** Creates a fresh database and applies every migration (the same path `npm start` uses). */
export async function createTestDatabase(dbName: string): Promise<string> {
  const url = databaseUrl(dbName);
  const migrate = (await import(join(REPO_ROOT, 'scripts', 'migrate.mjs'))) as {
    applyMigrations: (url: string, o: { log: (s: string) => void }) => Promise<number>;
  };
  await migrate.applyMigrations(url, { log: () => undefined });
  return url;
}

export async function dropTestDatabase(dbName: string): Promise<void> {
  const admin = new Client({ connectionString: BASE_PG_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Deletes every key under `prefix` (never FLUSHALL: Redis is shared). */
export async function deleteRedisPrefix(prefix: string, url = BASE_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * Closes, from the server side, the one connection named `name` that is in (sharded) pub/sub mode — what a
 * network blip does to a subscriber, which its client then reconnects. Returns the killed id.
 */
export async function killSubscriberConnection(name: string, url = BASE_REDIS_URL): Promise<string> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await admin.connect();
  try {
    const list = String(await admin.call('CLIENT', 'LIST'));
    const ids = list
      .split('\n')
      .filter((l) => l.includes(` name=${name} `) && /\bs?sub=[1-9]/.test(l))
      .map((l) => /\bid=(\d+)/.exec(l)?.[1]);
    if (ids.length !== 1 || !ids[0])
      throw new Error(`expected one subscriber connection named ${name}, found ${ids.length}`);
    await admin.call('CLIENT', 'KILL', 'ID', ids[0]);
    return ids[0];
  } finally {
    admin.disconnect();
  }
}
