#!/usr/bin/env node
// Waits until every migration shipped in this image (prisma/migrations/<name>/migration.sql) is
// recorded as applied in the database's `_prisma_migrations` table with the same checksum, i.e.
// until the schema this build expects is in place. Exits 0 then; exits 1 after --timeout seconds
// (default 300) naming what is still missing, or at once when an applied migration's checksum
// differs from the shipped file (the database and the image disagree: never start on that).
// Read-only: it never applies anything (that is the migration Job's work, `scripts/migrate.mjs`).
//
// Usage: DATABASE_URL=... node deploy/docker/wait-for-migrations.mjs [--timeout <s>] [--interval <s>]
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const migrationsDir = join(root, 'prisma', 'migrations');

function option(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`wait-for-migrations: --${name} needs a number of seconds`);
    process.exit(2);
  }
  return v;
}

/** name → sha256 of migration.sql, for every migration this image ships. */
export function shippedMigrations(dir = migrationsDir) {
  const out = new Map();
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, d.name, 'migration.sql');
    if (d.isDirectory() && existsSync(file)) {
      out.set(d.name, createHash('sha256').update(readFileSync(file, 'utf8')).digest('hex'));
    }
  }
  return out;
}

/** Returns { missing: string[], mismatched: string[] } for the database at `url`. */
export async function checkMigrations(url, shipped = shippedMigrations()) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows: exists } = await client.query(
      `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS ok`,
    );
    const applied = new Map();
    if (exists[0].ok) {
      const { rows } = await client.query(
        'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      for (const r of rows) applied.set(r.migration_name, r.checksum);
    }
    const missing = [];
    const mismatched = [];
    for (const [name, checksum] of [...shipped].sort(([a], [b]) => a.localeCompare(b))) {
      if (!applied.has(name)) missing.push(name);
      else if (applied.get(name) !== checksum) mismatched.push(name);
    }
    return { missing, mismatched };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('wait-for-migrations: DATABASE_URL is not set');
    process.exit(2);
  }
  const timeoutMs = option('timeout', 300) * 1000;
  const intervalMs = option('interval', 2) * 1000;
  const shipped = shippedMigrations();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    let status;
    try {
      const { missing, mismatched } = await checkMigrations(url, shipped);
      if (mismatched.length) {
        console.error(
          `wait-for-migrations: applied migrations differ from this image: ${mismatched.join(', ')}`,
        );
        process.exit(1);
      }
      if (!missing.length) {
        console.log(`wait-for-migrations: all ${shipped.size} migration(s) applied`);
        process.exit(0);
      }
      status = `waiting for migration(s): ${missing.join(', ')}`;
    } catch (e) {
      status = `database not reachable: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (status !== last) console.log(`wait-for-migrations: ${status}`);
    last = status;
    if (Date.now() + intervalMs > deadline) {
      console.error(`wait-for-migrations: gave up after ${timeoutMs / 1000} s (${status})`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
