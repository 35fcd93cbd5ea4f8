import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

interface ModelSpec {
  table: string;
  /** column → nullable */
  columns: Map<string, boolean>;
  pk: string[];
  uniques: string[][];
  indexes: string[][];
}

/** Reads models, columns, keys and indexes out of prisma/schema.prisma (the schema is the truth). */
function parseSchema(text: string): ModelSpec[] {
  const modelNames = new Set([...text.matchAll(/^model\s+(\w+)\s*\{/gm)].map((m) => m[1]));
  const out: ModelSpec[] = [];
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, name, body] = m;
    const fieldToColumn = new Map<string, string>();
    const spec: ModelSpec = { table: name, columns: new Map(), pk: [], uniques: [], indexes: [] };
    const blockAttrs: string[] = [];
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      if (line.startsWith('@@')) {
        blockAttrs.push(line);
        continue;
      }
      const fm = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!fm) continue;
      const [, field, type, , optional, attrs] = fm;
      if (modelNames.has(type)) continue; // relation fields have no column
      const column = /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? field;
      fieldToColumn.set(field, column);
      spec.columns.set(column, optional === '?'); // a scalar list (String[]) is never null
      if (/@id\b/.test(attrs)) spec.pk = [column];
      if (/@unique\b/.test(attrs)) spec.uniques.push([column]);
    }
    const cols = (list: string) => list.split(',').map((f) => fieldToColumn.get(f.trim()) ?? f.trim());
    for (const a of blockAttrs) {
      const args = /\(\[([^\]]*)\]/.exec(a)?.[1];
      if (a.startsWith('@@map(')) spec.table = /"([^"]+)"/.exec(a)?.[1] ?? spec.table;
      else if (a.startsWith('@@id(') && args) spec.pk = cols(args);
      else if (a.startsWith('@@unique(') && args) spec.uniques.push(cols(args));
      else if (a.startsWith('@@index(') && args) spec.indexes.push(cols(args));
    }
    out.push(spec);
  }
  return out;
}

const models = parseSchema(readFileSync(join(__dirname, '..', '..', 'prisma', 'schema.prisma'), 'utf8'));

/**
 * The migrated database (what `npm start` and `prisma migrate deploy` produce) must match
 * prisma/schema.prisma: every model's table and column exists with the right nullability, and
 * every primary key, unique and index the schema declares exists with the same columns.
 */
describe('migrations match the Prisma schema', () => {
  let pg: Client;
  beforeAll(async () => {
    pg = new Client({ connectionString: process.env['DATABASE_URL'] });
    await pg.connect();
  });
  afterAll(async () => pg.end());

  it('reads the schema (guards the parser itself)', () => {
    expect(models.map((m) => m.table).sort()).toEqual([
      'apps',
      'channels',
      'clients',
      'dead_letters',
      'events',
      'memberships',
      'namespaces',
      'token_revocations',
      'webhook_deliveries',
      'webhook_settings',
    ]);
  });

  it('has every table and column with the same nullability, and nothing extra', async () => {
    const { rows } = await pg.query<{ table_name: string; column_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = new Map<string, Map<string, boolean>>();
    for (const r of rows) {
      if (!actual.has(r.table_name)) actual.set(r.table_name, new Map());
      actual.get(r.table_name)?.set(r.column_name, r.is_nullable === 'YES');
    }
    const expected = new Map(models.map((m) => [m.table, m.columns]));
    expect(Object.fromEntries([...actual].map(([t, c]) => [t, Object.fromEntries(c)]))).toEqual(
      Object.fromEntries([...expected].map(([t, c]) => [t, Object.fromEntries(c)])),
    );
  });

  it('has every primary key, unique constraint and index the schema declares', async () => {
    const { rows } = await pg.query<{ table: string; columns: string[]; unique: boolean; primary: boolean }>(
      `SELECT t.relname AS table, ix.indisunique AS unique, ix.indisprimary AS primary,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE t.relname <> '_prisma_migrations'
       GROUP BY t.relname, ix.indexrelid, ix.indisunique, ix.indisprimary`,
    );
    const actual = new Set(
      rows.map(
        (r) => `${r.table}|${r.primary ? 'pk' : r.unique ? 'unique' : 'index'}|${r.columns.join(',')}`,
      ),
    );
    const expected = new Set<string>();
    for (const m of models) {
      expected.add(`${m.table}|pk|${m.pk.join(',')}`);
      for (const u of m.uniques) expected.add(`${m.table}|unique|${u.join(',')}`);
      for (const i of m.indexes) expected.add(`${m.table}|index|${i.join(',')}`);
    }
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  it('cascades deletes from apps to everything they own', async () => {
    const app = `cascade-${process.pid}`;
    await pg.query(`INSERT INTO apps (id, name) VALUES ($1, 'x')`, [app]);
    await pg.query(`INSERT INTO clients (app_id, id) VALUES ($1, 'c')`, [app]);
    await pg.query(`INSERT INTO channels (app_id, id, persistent) VALUES ($1, 'ch', true)`, [app]);
    await pg.query(`INSERT INTO memberships (app_id, channel_id, client_id) VALUES ($1, 'ch', 'c')`, [app]);
    await pg.query(
      `INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
       VALUES ($1, 'ch', 1, 'e', 'i', 't', '"p"', 'c', 0)`,
      [app],
    );
    await pg.query(`DELETE FROM apps WHERE id = $1`, [app]);
    for (const table of ['clients', 'channels', 'memberships', 'events']) {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM ${table} WHERE app_id = $1`, [app]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });
});
