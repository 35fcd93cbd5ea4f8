// The init container that holds a new pod until the migration Job has applied the migrations its
// image ships, against a real PostgreSQL: it waits, lets the pod start once the schema is there,
// and refuses a database whose applied migrations differ from the image's.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { BASE_PG_URL, databaseUrl, dropTestDatabase, uniqueRunId } from '@channels/testing';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const WAIT = join(ROOT, 'deploy', 'docker', 'wait-for-migrations.mjs');
const MIGRATE = join(ROOT, 'scripts', 'migrate.mjs');
const shipped = readdirSync(join(ROOT, 'prisma', 'migrations'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}
async function node(script: string, args: string[], url: string): Promise<Outcome> {
  try {
    const r = await run(process.execPath, [script, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('deploy/docker/wait-for-migrations.mjs', () => {
  const dbName = uniqueRunId('channels_wait');
  const url = databaseUrl(dbName);

  beforeAll(async () => {
    const admin = new Client({ connectionString: BASE_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
  });
  afterAll(() => dropTestDatabase(dbName));

  it('keeps the pod waiting while migrations are missing, naming them', async () => {
    expect(shipped.length).toBeGreaterThan(0);
    const r = await node(WAIT, ['--timeout', '1', '--interval', '0.2'], url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gave up after 1 s');
    for (const name of shipped) expect(r.stderr).toContain(name);
  });

  it('lets the pod start as soon as the migration step has applied them', async () => {
    const waiting = node(WAIT, ['--timeout', '60', '--interval', '0.2'], url);
    await new Promise((r) => setTimeout(r, 500));
    const migrated = await node(MIGRATE, [], url);
    expect(migrated.code).toBe(0);
    const r = await waiting;
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain(`waiting for migration(s): ${shipped.join(', ')}`);
    expect(r.stdout).toContain(`all ${shipped.length} migration(s) applied`);
  });

  it('refuses at once a database whose applied migration differs from the image', async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`UPDATE "_prisma_migrations" SET checksum = 'tampered' WHERE migration_name = $1`, [
        shipped[0],
      ]);
      const r = await node(WAIT, ['--timeout', '60'], url);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`applied migrations differ from this image: ${shipped[0]}`);
    } finally {
      await c.end();
    }
  });

  it('reports an unreachable database and gives up after its timeout', async () => {
    const r = await node(
      WAIT,
      ['--timeout', '1', '--interval', '0.2'],
      'postgresql://postgres@127.0.0.1:1/none',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gave up after 1 s \(database not reachable: .*ECONNREFUSED/);
  });
});
