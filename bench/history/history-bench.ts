/**
 * History latency on a channel holding 2,000,000 stored events, measured inside admin-api.
 *
 *   node -r ./bench/writer/ts-register.cjs bench/history/history-bench.ts [--quick|--full] [--json=file]
 *     [--events=N] [--requests=N] [--warmup=N] [--rounds=N] [--cases=<regex>] [--pin=0] [--profile]   (--profile: CPU profile of admin-api in tmp/history-profile)
 *   BENCH_SERVER_NODE_ARGS="…" adds Node options to admin-api (e.g. GC tuning); BENCH_ADMIN_MAIN=path
 *   runs another build of admin-api (e.g. an older commit's, for a side-by-side comparison);
 *   BENCH_ADMIN_ENV='{"HISTORY_MIRROR_MB":"0"}' adds settings to admin-api's environment;
 *   BENCH_ADMIN_STDOUT=file keeps admin-api's standard output (e.g. with --trace-gc);
 *   BENCH_SAMPLES_OUT=prefix writes each case's [sent at (unix ms), server time] pairs, in request
 *   order, to prefix-<case>.json.
 *
 * Seeds a throwaway database in one server-side statement (indexes and the foreign key are
 * rebuilt afterwards, exactly as the migrations define them), starts the built admin-api
 * (dist/apps/admin-api/main.js; `npx nx build admin-api`) on it with its own Redis prefix, and
 * times requests one at a time. Each figure is the `Server-Timing: app;dur=…` the service reports
 * (request arrival → response headers: auth, Redis, Postgres, JSON), with the client-side time
 * beside it. Everything it creates is removed at the end. BENCH_PG_URL / BENCH_REDIS_URL (or
 * TEST_PG_URL / TEST_REDIS_URL) choose the servers.
 */
import '../writer/env-from-harness';
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { signToken } from '@channels/auth';
import {
  BASE_REDIS_URL,
  createTestDatabase,
  deleteRedisPrefix,
  dropTestDatabase,
  freePort,
  REPO_ROOT,
  uniqueRunId,
} from '@channels/testing';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const full = args.has('full') || process.env['BENCH_MODE'] === 'full';
const num = (k: string, def: number) => Number(args.get(k) ?? def);
const EVENTS = num('events', 2_000_000);
const REQUESTS = num('requests', full ? 5_000 : 400);
/**
 * The quick mode counts more requests where they are cheap (the window and stored-tail cases and the
 * no-work route, under a millisecond each): a p99 of 400 samples is their 4th slowest, too noisy to hold a bar
 * against. The /v1 Postgres cases have no bar and run in the full mode (or with --cases) only.
 */
const QUICK_CHEAP_REQUESTS = 1_500;
// Requests before the counted ones. A fresh process keeps compiling and re-optimising for the first
// ~1,500 requests of a route, and its slow answers are concentrated there (request order in
// BENCH_SAMPLES_OUT: with 500, the first quarter of the counted ones held ~2x the slow answers of
// the last); a long-running admin-api is past that, so the counted requests start after 2,000.
const WARMUP = num('warmup', 2_000);
/** The quick mode's warm-up for cases without a bar (their figure is for orientation). */
const QUICK_UNBARRED_WARMUP = 500;
/**
 * Each case is measured this many times back to back (3 in the full mode): every figure is the
 * median of the rounds, and the p99's spread is shown beside it. A minute of noise from the
 * machine's neighbours moves one round, not the figure. Rounds after the first are warm already.
 */
const ROUNDS = Math.max(1, num('rounds', full ? 3 : 1));
const ROUND_WARMUP = Math.min(WARMUP, 200);
/** `--cases=<regex>`: only the cases whose name matches (the others are skipped). */
const CASES = args.has('cases') ? new RegExp(String(args.get('cases')), 'i') : undefined;
const PIN = args.get('pin') !== '0' && process.env['BENCH_PIN'] !== '0' && cpus().length >= 2;
const APP = 'bench';
const CHANNEL = 'big';
/** Event spacing in the seeded channel. */
const STEP_MS = 5;
const SECRET = 'history-bench-secret-0123456789';

const runId = uniqueRunId('channels_bench_history');
const prefix = `bh:${runId.slice(-8)}:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');

interface Sample {
  server: number;
  client: number;
  /** When the request was sent, unix ms (to line slow answers up with what else the machine did). */
  at: number;
  /** Events in the answer, for the answers that were parsed. */
  events?: number;
}
interface CaseResult {
  name: string;
  /** admin-api CPU time (user + system) per request, ms: independent of other load on the machine. */
  cpuMsPerRequest: number;
  route: string;
  requests: number;
  eventsPerResponse: number;
  server: { p50: number; p90: number; p99: number; max: number };
  client: { p50: number; p99: number };
  /** Server p99 of each round (one entry with a single round). */
  p99Rounds: number[];
  bar?: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function seed(url: string, t0: number): Promise<number> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  const started = Date.now();
  try {
    await pg.query(`SET maintenance_work_mem = '256MB'`);
    await pg.query(`INSERT INTO apps (id, name) VALUES ($1, 'History benchmark')`, [APP]);
    await pg.query(
      `INSERT INTO channels (app_id, id, name, persistent) VALUES ($1, $2, 'two million events', true)`,
      [APP, CHANNEL],
    );
    // Bulk load without per-row index and foreign key maintenance, then rebuild them as the
    // migration defines them (same names, same columns).
    await pg.query(`ALTER TABLE events DROP CONSTRAINT events_app_id_channel_id_fkey`);
    await pg.query(`ALTER TABLE events DROP CONSTRAINT events_pkey`);
    await pg.query(`DROP INDEX events_app_id_channel_id_id_key`);
    await pg.query(`DROP INDEX events_app_id_channel_id_timestamp_idx`);
    await pg.query(
      `INSERT INTO events (app_id, channel_id, "offset", epoch, id, event_type, payload, sender_id, "timestamp")
       SELECT $1, $2, g, 'seed', 'ev-' || g, 'testing publish type', to_jsonb('can_be_json_or_not ' || g),
              'client-' || (g % 100), $3::bigint + g * ${STEP_MS}
       FROM generate_series(1, $4::bigint) AS g`,
      [APP, CHANNEL, t0, EVENTS],
    );
    await pg.query(
      `ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (app_id, channel_id, "offset")`,
    );
    await pg.query(`CREATE UNIQUE INDEX events_app_id_channel_id_id_key ON events (app_id, channel_id, id)`);
    await pg.query(
      `CREATE INDEX events_app_id_channel_id_timestamp_idx ON events (app_id, channel_id, "timestamp")`,
    );
    await pg.query(
      `ALTER TABLE events ADD CONSTRAINT events_app_id_channel_id_fkey FOREIGN KEY (app_id, channel_id)
       REFERENCES channels (app_id, id) ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await pg.query(`VACUUM ANALYZE events`);
    // Write the load's dirty pages out now, not while the first cases are measured (the
    // checkpointer flushing hundreds of MB takes CPU from the two cores the benchmark runs on).
    await pg.query('CHECKPOINT').catch(() => undefined);
    const { rows } = await pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM events WHERE app_id = $1 AND channel_id = $2`,
      [APP, CHANNEL],
    );
    if (Number(rows[0].n) !== EVENTS) throw new Error(`seeded ${rows[0].n} events, wanted ${EVENTS}`);
  } finally {
    await pg.end();
  }
  return Date.now() - started;
}

/** Postgres's own execution time of the two history queries (what the service cannot go below). */
async function postgresTimes(url: string, t0: number): Promise<{ last300: number; since500: number }> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  const run = async (sql: string, values: unknown[]) => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { rows } = await pg.query<{ 'QUERY PLAN': { 'Execution Time': number }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        values,
      );
      times.push(rows[0]['QUERY PLAN'][0]['Execution Time']);
    }
    return times.sort((a, b) => a - b)[10];
  };
  try {
    const cols = `"offset", epoch, id, event_type, payload, sender_id, "timestamp"`;
    return {
      last300: await run(
        `SELECT ${cols} FROM events WHERE app_id = $1 AND channel_id = $2 ORDER BY "offset" DESC LIMIT 300`,
        [APP, CHANNEL],
      ),
      since500: await run(
        `SELECT ${cols} FROM events WHERE app_id = $1 AND channel_id = $2 AND "timestamp" >= $3 ORDER BY "timestamp" DESC, "offset" DESC LIMIT 500`,
        [APP, CHANNEL, t0 + Math.floor(EVENTS / 2) * STEP_MS],
      ),
    };
  } finally {
    await pg.end();
  }
}

function startAdminApi(port: number, databaseUrl: string): ChildProcess {
  const node = [
    ...(process.env['BENCH_SERVER_NODE_ARGS']?.split(' ').filter(Boolean) ?? []),
    ...(args.has('profile')
      ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, 'tmp', 'history-profile')}`]
      : []),
    process.env['BENCH_ADMIN_MAIN'] ?? join(REPO_ROOT, 'dist/apps/admin-api/main.js'),
  ];
  const cmd = PIN ? 'taskset' : process.execPath;
  const argv = PIN ? ['-c', '0', process.execPath, ...node] : node;
  const child = spawn(cmd, argv, {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ADMIN_API_PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: BASE_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: SECRET,
      // One token reads as fast as admin-api answers: its rate limits are counted (the cost is
      // measured) but set out of reach.
      ADMIN_RATE_LIMIT_PER_TOKEN: '1000000000',
      ADMIN_RATE_LIMIT_PER_APP: '1000000000',
      ...(JSON.parse(process.env['BENCH_ADMIN_ENV'] ?? '{}') as Record<string, string>),
    },
    stdio: [
      'ignore',
      process.env['BENCH_ADMIN_STDOUT'] ? openSync(process.env['BENCH_ADMIN_STDOUT'], 'w') : 'ignore',
      'inherit',
    ],
  });
  return child;
}

async function waitReady(base: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('admin-api not ready after 30 s');
}

/** Every CHECK_EVERY-th answer is parsed (and its events counted); the others are only read. */
const CHECK_EVERY = 20;
/** One keep-alive connection, as a backend reading history would hold. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** A GET on the keep-alive connection: status, Server-Timing and the raw body. */
function get(url: string, token: string): Promise<{ status: number; timing: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { Authorization: token, AppID: APP } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          timing: String(res.headers['server-timing'] ?? ''),
          body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs `paths()` one request at a time; the first WARMUP requests are not counted. The client
 * shares the machine's two cores with admin-api and Redis, so it does as little as it can: one
 * keep-alive connection, bodies read but parsed only every CHECK_EVERY-th answer.
 */
async function measure(
  base: string,
  token: string,
  path: () => string,
  count: number,
  warmup: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count + warmup; i++) {
    const p = path();
    const at = Date.now();
    const t = process.hrtime.bigint();
    const res = await get(`${base}${p}`, token);
    const client = Number(process.hrtime.bigint() - t) / 1e6;
    let events: number | undefined;
    if (res.status !== 200 || i % CHECK_EVERY === 0) {
      const body = JSON.parse(res.body.toString()) as { events?: unknown[] };
      if (res.status !== 200) throw new Error(`${p} → ${res.status} ${JSON.stringify(body)}`);
      if (body.events === undefined && !p.startsWith('/health'))
        throw new Error(`${p}: no events in the answer`);
      events = body.events?.length ?? 0;
    }
    const m = /app;dur=([\d.]+)/.exec(res.timing);
    if (!m) throw new Error('no Server-Timing header');
    if (i >= warmup)
      samples.push({ server: Number(m[1]), client, at, ...(events !== undefined ? { events } : {}) });
  }
  return samples;
}

/** CPU time (user + system) the process has used so far, ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (clock ticks, 100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

let adminPid = 0;
async function measureCase(
  name: string,
  route: string,
  base: string,
  token: string,
  path: () => string,
  bar?: number,
  opts: { cheap?: boolean; informational?: boolean } = {},
): Promise<CaseResult | undefined> {
  if (CASES ? !CASES.test(name) : !full && opts.informational) return undefined;
  const count = opts.cheap && !full && !args.has('requests') ? QUICK_CHEAP_REQUESTS : REQUESTS;
  const warmup = bar === undefined && !full && !args.has('warmup') ? QUICK_UNBARRED_WARMUP : WARMUP;
  const before = cpuMs(adminPid);
  const rounds: Sample[][] = [];
  for (let r = 0; r < ROUNDS; r++)
    rounds.push(await measure(base, token, path, count, r === 0 ? warmup : ROUND_WARMUP));
  if (process.env['BENCH_SAMPLES_OUT'])
    writeFileSync(
      `${process.env['BENCH_SAMPLES_OUT']}-${name.replace(/\W+/g, '_')}.json`,
      JSON.stringify(rounds.flat().map((x) => [x.at, x.server])),
    );
  const used = cpuMs(adminPid) - before;
  const sent = warmup + (ROUNDS - 1) * ROUND_WARMUP + ROUNDS * count;
  const each = rounds.map((samples) => summarise(name, route, samples, bar));
  const med = (f: (r: (typeof each)[number]) => number) => median(each.map(f));
  return {
    ...each[0],
    requests: count * ROUNDS,
    server: {
      p50: med((r) => r.server.p50),
      p90: med((r) => r.server.p90),
      p99: med((r) => r.server.p99),
      max: Math.max(...each.map((r) => r.server.max)),
    },
    client: { p50: med((r) => r.client.p50), p99: med((r) => r.client.p99) },
    p99Rounds: each.map((r) => r.server.p99),
    cpuMsPerRequest: used / sent,
  };
}

/** ` (min–max)` of the rounds' p99, when there were several. */
function spread(r: CaseResult): string {
  return r.p99Rounds.length > 1 ? ` (${fmt(Math.min(...r.p99Rounds))}–${fmt(Math.max(...r.p99Rounds))})` : '';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summarise(
  name: string,
  route: string,
  samples: Sample[],
  bar?: number,
): Omit<CaseResult, 'cpuMsPerRequest' | 'p99Rounds'> {
  const s = samples.map((x) => x.server).sort((a, b) => a - b);
  const c = samples.map((x) => x.client).sort((a, b) => a - b);
  return {
    name,
    route,
    requests: samples.length,
    eventsPerResponse: Math.round(
      samples.reduce((a, x) => a + (x.events ?? 0), 0) /
        Math.max(1, samples.filter((x) => x.events !== undefined).length),
    ),
    server: { p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1] },
    client: { p50: pct(c, 50), p99: pct(c, 99) },
    ...(bar !== undefined ? { bar } : {}),
  };
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  console.log(
    `history bench: ${EVENTS.toLocaleString('en-US')} events, ${REQUESTS} requests per case, pinned: ${PIN}`,
  );
  const databaseUrl = await createTestDatabase(runId);
  let child: ChildProcess | undefined;
  try {
    const t0 = Date.now() - EVENTS * STEP_MS - 60_000;
    const seedMs = await seed(databaseUrl, t0);
    console.log(`seeded in ${fmt(seedMs / 1000, 1)} s`);
    const explain = await postgresTimes(databaseUrl, t0);
    console.log(
      `Postgres execution time (EXPLAIN ANALYZE, median of 20): last 300 ${fmt(explain.last300)} ms, 500 since a timestamp ${fmt(explain.since500)} ms`,
    );
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = startAdminApi(port, databaseUrl);
    adminPid = child.pid ?? 0;
    await waitReady(base);
    const admin = signToken(SECRET, { Role: 'Admin', ClientID: 'bench-admin', AppID: APP });
    const client = signToken(SECRET, { Role: 'Client', ClientID: 'reader', AppID: APP });
    const tsSec = () => Math.floor((t0 + Math.floor(Math.random() * EVENTS) * STEP_MS) / 1000);
    const tsMs = () => t0 + Math.floor(Math.random() * (EVENTS - 500)) * STEP_MS;
    const v1 = `/v1/apps/${APP}/channels/${CHANNEL}/events`;

    const measured: (CaseResult | undefined)[] = [];
    // The floor: a route doing no work (HTTP, framework, JSON), for scale.
    measured.push(
      await measureCase(
        'baseline: no work',
        'GET /health/live',
        base,
        client,
        () => '/health/live',
        undefined,
        {
          cheap: true,
        },
      ),
    );
    // Nothing in the Redis hot window yet: these read Postgres — "the newest N" (since a time) once
    // per channel, then from the stored tail admin-api keeps (HISTORY_MIRROR_MB=0 to read Postgres
    // every time); ranges every time. A random second of 2,000,000 events is older than the newest
    // 500 but for the last 2.5 s of the channel: "the newest 500 since" is mostly the newest 500.
    measured.push(
      await measureCase(
        'last 300, empty window (stored tail)',
        `GET /last/${CHANNEL}/300`,
        base,
        client,
        () => `/last/${CHANNEL}/300`,
        3,
        { cheap: true },
      ),
    );
    measured.push(
      await measureCase(
        '500 since a timestamp, empty window (stored tail)',
        `GET /last/${CHANNEL}/500/last/{ts}`,
        base,
        client,
        () => `/last/${CHANNEL}/500/last/${tsSec()}`,
        2,
        { cheap: true },
      ),
    );
    // A range deep in the channel, different every request: Postgres every time.
    measured.push(
      await measureCase(
        '400 between two timestamps (Postgres)',
        `GET /sync/${CHANNEL}/{ts}/to/{ts+1}`,
        base,
        client,
        () => {
          const from = tsSec();
          return `/sync/${CHANNEL}/${from}/to/${from + 1}`;
        },
      ),
    );
    measured.push(
      await measureCase(
        'last 300, /v1, empty window (stored tail)',
        `GET ${v1}?limit=300`,
        base,
        admin,
        () => `${v1}?limit=300`,
        undefined,
        { informational: true },
      ),
    );
    measured.push(
      await measureCase(
        '500 from a timestamp, ascending, /v1 (Postgres)',
        `GET ${v1}?since={ms}&limit=500`,
        base,
        admin,
        () => `${v1}?since=${tsMs()}&limit=500`,
        undefined,
        { informational: true },
      ),
    );
    // Fill the hot window the way publishers do, then read the newest events from it.
    // Eight publishers at a time; the window keeps the newest HOT_WINDOW_SIZE (1,000) whatever the order.
    let next = 0;
    const publisher = async () => {
      for (let i = next++; i < 1000; i = next++) {
        const r = await fetch(`${base}${v1}`, {
          method: 'POST',
          headers: { Authorization: admin, 'Content-Type': 'application/json' },
          // Shaped like the seeded events, so window and stored answers are the same size (a
          // 500-event answer is ≈ 75 KB either way) and the cases compare like with like.
          body: JSON.stringify({
            eventType: 'testing publish type',
            payload: `can_be_json_or_not ${EVENTS + 1 + i}`,
          }),
        });
        if (r.status !== 201) throw new Error(`publish → ${r.status}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, publisher));
    measured.push(
      await measureCase(
        'last 300 (Redis hot window)',
        `GET /last/${CHANNEL}/300`,
        base,
        client,
        () => `/last/${CHANNEL}/300`,
        3,
        { cheap: true },
      ),
    );
    measured.push(
      await measureCase(
        '500 since a timestamp (Redis hot window)',
        `GET /last/${CHANNEL}/500/last/{ts}`,
        base,
        client,
        () => `/last/${CHANNEL}/500/last/${tsSec()}`,
        2,
        { cheap: true },
      ),
    );

    const results = measured.filter((r): r is CaseResult => r !== undefined);
    console.log(
      '\n| case | route | events | server p50 | p90 | p99 | max | client p50 | client p99 | admin-api CPU / request | bar (server p99) |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.name} | \`${r.route}\` | ${r.eventsPerResponse} | ${fmt(r.server.p50)} | ${fmt(r.server.p90)} | **${fmt(r.server.p99)}**${spread(r)} | ${fmt(r.server.max)} | ${fmt(r.client.p50)} | ${fmt(r.client.p99)} | ${fmt(r.cpuMsPerRequest)} | ${r.bar !== undefined ? `≤ ${r.bar} ms ${r.server.p99 <= r.bar ? 'met' : 'missed'}` : '—'} |`,
      );
    }
    console.log(
      `\n(milliseconds; ${results.map((r) => r.requests).join(' / ')} requests per case after ${WARMUP} warm-up${full || args.has('warmup') ? '' : ` (${QUICK_UNBARRED_WARMUP} for the cases without a bar)`}, one at a time${ROUNDS > 1 ? `, in ${ROUNDS} rounds (${ROUND_WARMUP} more warm-up requests before each later round): medians of the rounds, the p99's range in brackets` : ''}; load average ${fmt(load)} at start)`,
    );
    for (const r of results) {
      console.log(
        `BENCH_RESULT ${JSON.stringify({
          figure: `history: ${r.name}, server p99`,
          value: `${fmt(r.server.p99)} ms`,
          ...(r.bar !== undefined ? { bar: `≤ ${r.bar} ms`, pass: r.server.p99 <= r.bar } : {}),
          note: `${ROUNDS > 1 ? `median of ${ROUNDS} rounds, p99 of each ${r.p99Rounds.map((x) => fmt(x)).join(' / ')} ms; ` : ''}p50 ${fmt(r.server.p50)} ms; ${fmt(r.cpuMsPerRequest)} ms admin-api CPU per request; client-side p50 ${fmt(r.client.p50)} / p99 ${fmt(r.client.p99)} ms; ${r.eventsPerResponse} events per response`,
        })}`,
      );
    }
    const json = args.get('json');
    if (json) {
      writeFileSync(
        json,
        JSON.stringify(
          {
            results: {
              events: EVENTS,
              requests: REQUESTS,
              loadAverage: load,
              seedMs,
              postgresExecutionMs: explain,
              cases: results,
            },
          },
          null,
          2,
        ),
      );
    }
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await dropTestDatabase(runId).catch((e: unknown) =>
      console.error(`could not drop ${runId}: ${String(e)}`),
    );
    await deleteRedisPrefix(prefix).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
