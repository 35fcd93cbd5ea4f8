/**
 * Persistence writer benchmark: queue → committed rows/s and enqueue → committed latency, next to
 * Prisma `createMany` and the repository alone, all measured in the same run.
 *
 *   node -r ./bench/writer/ts-register.cjs bench/writer/writer-bench.ts [--quick] [--json=file]
 *     [--events=N] [--backlog=N] [--baseline=N] [--rate=R] [--seconds=S] [--channels=C]
 *     [--phases=baseline,drain,sustained,latency] [--writer-env=KEY=VALUE,…]
 *
 * Runs the built writer (dist/apps/persistence-writer/main.js; `npx nx build persistence-writer`)
 * against its own database and Redis prefix, both removed at the end. BENCH_PG_URL / BENCH_REDIS_URL
 * (or TEST_PG_URL / TEST_REDIS_URL) choose the servers.
 */
import './env-from-harness';
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@channels/contracts';
import { EventWriterRepository, PrismaService } from '@channels/db';
import { BullmqEventQueue } from '@channels/realtime';
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
const quick = args.has('quick');
const num = (k: string, def: number) => Number(args.get(k) ?? def);
const EVENTS = num('events', quick ? 100_000 : 500_000);
const BACKLOG = num('backlog', quick ? 100_000 : 500_000);
const BASELINE = num('baseline', quick ? 10_000 : 50_000);
const RATE = num('rate', 25_000);
const SECONDS = num('seconds', quick ? 8 : 30);
const CHANNELS = num('channels', 8);
const APP = 'bench';
/** Which parts to run (all by default): baseline, drain, sustained, latency. */
const PHASES = new Set((args.get('phases') ?? 'baseline,drain,sustained,latency').split(','));

const runId = uniqueRunId('channels_bench_writer');
const prefix = `bw:${runId.slice(-8)}:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

const nextOffset = new Map<string, number>();
function makeEvent(channel: number, timestamp = Date.now()): StoredEvent {
  const channelID = `ch${channel}`;
  const offset = (nextOffset.get(channelID) ?? 0) + 1;
  nextOffset.set(channelID, offset);
  return {
    appID: APP,
    channelID,
    offset,
    epoch: 'bench-epoch',
    id: `${channelID}-${offset}`,
    eventType: 'message',
    payload: { text: `message number ${offset} in the benchmark`, from: 'alice', n: offset },
    senderID: `client-${offset % 100}`,
    timestamp,
  };
}

async function countEvents(prisma: PrismaService): Promise<number> {
  const [{ n }] = await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
  return n;
}

/**
 * Waits until the writer reports `target` more stored rows than `base` (its stored-events counter
 * moves right after each commit; scraping it costs Postgres nothing, unlike polling count(*) over
 * a growing table), then checks the table once. Returns when the last row was committed.
 */
async function waitForRows(
  prisma: PrismaService,
  writerUrl: string,
  base: number,
  target: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = (await storedCounter(writerUrl)) - base;
    if (n >= target) {
      const at = nowMs();
      const rows = await countEvents(prisma);
      if (rows !== target) throw new Error(`writer reports ${n} stored rows, the table holds ${rows}`);
      return at;
    }
    if (Date.now() > deadline) throw new Error(`only ${n} of ${target} rows committed after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The writer's `channels_writer_events_total{result="stored"}`. */
async function storedCounter(writerUrl: string): Promise<number> {
  const text = await (await fetch(`${writerUrl}/metrics`)).text();
  const m = /^channels_writer_events_total\{result="stored"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function startWriter(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/persistence-writer/main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL: BASE_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      WRITER_PORT: String(port),
      RETENTION_INTERVAL_MS: '0',
      ...Object.fromEntries(
        (args.get('writer-env') ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=')),
      ),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`writer exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url };
    await sleep(100);
  }
  throw new Error('writer not ready after 30 s');
}

/** CPU seconds (user + system) a process used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds used by this database's Postgres backends since `since` (pid → CPU then). */
async function postgresCpu(prisma: PrismaService, since?: Map<number, number>) {
  const rows = await prisma.$queryRaw<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  const now = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      now.set(pid, cpuSeconds(pid));
    } catch {
      // the backend ended meanwhile
    }
  }
  let used = 0;
  for (const [pid, cpu] of now) used += cpu - (since?.get(pid) ?? 0);
  return { now, used };
}

async function stopWriter(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Enqueues `count` events as fast as the producer goes, at most `window` unconfirmed at once. */
async function produce(queue: BullmqEventQueue, count: number, window = 20_000): Promise<number> {
  const started = nowMs();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const p = queue.enqueue(makeEvent(i % CHANNELS)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return (count / (nowMs() - started)) * 1000;
}

/** Histogram bucket bound under which `q` of the observations fall (server-side p99). */
async function writerLagQuantile(url: string, q: number, before?: Map<number, number>) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/^channels_writer_durable_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  const diff = [...buckets].map(([le, n]) => [le, n - (before?.get(le) ?? 0)] as const);
  const total = diff[diff.length - 1]?.[1] ?? 0;
  const bound = diff.find(([, n]) => n >= total * q)?.[0] ?? Infinity;
  return { buckets, bound };
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const databaseUrl = await createTestDatabase(runId);
  const prisma = new PrismaService({ url: databaseUrl, poolSize: 4 });
  const repository = new EventWriterRepository({ url: databaseUrl, poolSize: 4 });
  const results: Record<string, number | string> = {};
  let writer: { child: ChildProcess; url: string } | null = null;
  const queue = new BullmqEventQueue({ redisUrl: BASE_REDIS_URL, keyPrefix: prefix });
  try {
    await prisma.$executeRaw`INSERT INTO apps (id, name) VALUES (${APP}, 'bench')`;
    await prisma.$executeRawUnsafe(
      `INSERT INTO channels (app_id, id, persistent) SELECT $1, 'ch' || g, true FROM generate_series(0, $2::int - 1) g`,
      APP,
      CHANNELS,
    );

    // 1. Baselines: Prisma createMany, then the repository alone, same rows and batches of 5,000.
    const batches = (n: number) => {
      const all = Array.from({ length: n }, (_, i) => makeEvent(i % CHANNELS));
      return Array.from({ length: Math.ceil(n / 5_000) }, (_, i) => all.slice(i * 5_000, (i + 1) * 5_000));
    };
    let t = nowMs();
    for (const b of PHASES.has('baseline') ? batches(BASELINE) : []) {
      await prisma.event.createMany({
        data: b.map((e) => ({
          appId: e.appID,
          channelId: e.channelID,
          offset: BigInt(e.offset),
          epoch: e.epoch,
          id: e.id,
          eventType: e.eventType,
          payload: e.payload as object,
          senderId: e.senderID,
          timestamp: BigInt(e.timestamp),
        })),
        skipDuplicates: true,
      });
    }
    results['createManyRowsPerSec'] = (BASELINE / (nowMs() - t)) * 1000;
    if (PHASES.has('baseline')) {
      t = nowMs();
      for (const b of batches(BASELINE * 4)) await repository.writeBatch(b);
      results['repositoryRowsPerSec'] = ((BASELINE * 4) / (nowMs() - t)) * 1000;
      await prisma.$executeRaw`TRUNCATE events`;
      console.error(
        `baselines: createMany ${fmt(Number(results['createManyRowsPerSec']))}/s, repository ${fmt(Number(results['repositoryRowsPerSec']))}/s`,
      );
    }

    // 2. Backlog drain: the queue holds BACKLOG events, then a writer starts and empties it.
    if (PHASES.has('drain')) {
      results['backlogProducerPerSec'] = await produce(queue, BACKLOG);
      results['loadAverage1m'] = loadavg()[0];
      writer = await startWriter(databaseUrl);
      const cpu = cpuSeconds(writer.child.pid);
      const pgCpu = (await postgresCpu(prisma)).now;
      t = nowMs();
      const drained = await waitForRows(prisma, writer.url, 0, BACKLOG, 300_000);
      results['drainPostgresCpuMsPer1k'] =
        ((await postgresCpu(prisma, pgCpu)).used * 1000) / (BACKLOG / 1000);
      results['drainRowsPerSec'] = (BACKLOG / (drained - t)) * 1000;
      results['drainWriterCpuMsPer1k'] = ((cpuSeconds(writer.child.pid) - cpu) * 1000) / (BACKLOG / 1000);
      await prisma.$executeRaw`TRUNCATE events`;
      console.error(`backlog drain: ${fmt(Number(results['drainRowsPerSec']))}/s`);
    }
    results['loadAverage1m'] ??= loadavg()[0];
    writer ??= await startWriter(databaseUrl);

    // 3. Sustained: produce flat out while the writer consumes.
    if (PHASES.has('sustained')) {
      const base = await storedCounter(writer.url);
      t = nowMs();
      const producerRate = await produce(queue, EVENTS);
      const done = await waitForRows(prisma, writer.url, base, EVENTS, 300_000);
      results['sustainedProducerPerSec'] = producerRate;
      results['sustainedRowsPerSec'] = (EVENTS / (done - t)) * 1000;
      await prisma.$executeRaw`TRUNCATE events`;
      console.error(`sustained: ${fmt(Number(results['sustainedRowsPerSec']))}/s`);
    }

    // 4. Latency at a fixed rate: enqueue → row visible to a reader polling Postgres every 10 ms.
    if (PHASES.has('latency')) await measureLatency(writer, results, prisma, queue);
  } finally {
    if (writer) await stopWriter(writer.child);
    await queue.close();
    await prisma.$disconnect();
    await repository.onModuleDestroy();
    await dropTestDatabase(runId).catch(() => undefined);
    await deleteRedisPrefix(prefix).catch(() => undefined);
  }
  printTable(results);
}

async function measureLatency(
  writer: { child: ChildProcess; url: string },
  results: Record<string, number | string>,
  prisma: PrismaService,
  queue: BullmqEventQueue,
): Promise<void> {
  const cpu = cpuSeconds(writer.child.pid);
  const before = (await writerLagQuantile(writer.url, 0.99)).buckets;
  const enqueuedAt = new Map<string, number>();
  const lags: number[] = [];
  const watermark = new Map<string, number>();
  for (let c = 0; c < CHANNELS; c++) watermark.set(`ch${c}`, nextOffset.get(`ch${c}`) ?? 0);
  let producing = true;
  const poller = (async () => {
    while (producing || enqueuedAt.size > 0) {
      const chans = [...watermark.keys()];
      const rows = await prisma.$queryRawUnsafe<{ channel_id: string; offset: bigint }[]>(
        `SELECT w.ch AS channel_id, e."offset" FROM unnest($1::text[], $2::bigint[]) AS w(ch, lo)
           CROSS JOIN LATERAL (SELECT "offset" FROM events
             WHERE app_id = $3 AND channel_id = w.ch AND "offset" > w.lo ORDER BY "offset" LIMIT 20000) e`,
        chans,
        chans.map((c) => String(watermark.get(c))),
        APP,
      );
      const seen = nowMs();
      for (const r of rows) {
        const key = `${r.channel_id}/${r.offset}`;
        const at = enqueuedAt.get(key);
        if (at !== undefined) {
          lags.push(seen - at);
          enqueuedAt.delete(key);
        }
      }
      for (const c of chans) {
        let w = watermark.get(c) ?? 0;
        while (w < (nextOffset.get(c) ?? 0) && !enqueuedAt.has(`${c}/${w + 1}`)) w++;
        watermark.set(c, w);
      }
      await sleep(10);
    }
  })();
  const total = RATE * SECONDS;
  const start = nowMs();
  const pending: Promise<void>[] = [];
  let sent = 0;
  let failed = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((nowMs() - start) / 1000) * RATE));
    for (; sent < due; sent++) {
      const e = makeEvent(sent % CHANNELS);
      enqueuedAt.set(`${e.channelID}/${e.offset}`, nowMs());
      pending.push(queue.enqueue(e).catch(() => void failed++));
    }
    await sleep(2);
  }
  const achieved = (sent / (nowMs() - start)) * 1000;
  await Promise.all(pending);
  producing = false;
  const pollDeadline = Date.now() + 60_000;
  while (enqueuedAt.size > 0 && Date.now() < pollDeadline) await sleep(50);
  const unseen = enqueuedAt.size;
  enqueuedAt.clear();
  await poller;
  lags.sort((a, b) => a - b);
  const server = await writerLagQuantile(writer.url, 0.99, before);
  results['latencyWriterCpuShare'] = (cpuSeconds(writer.child.pid) - cpu) / ((nowMs() - start) / 1000);
  Object.assign(results, {
    latencyRate: RATE,
    latencyAchievedRate: achieved,
    latencyEvents: sent,
    latencyFailedEnqueues: failed,
    latencyUnseen: unseen,
    latencyP50Ms: percentile(lags, 0.5),
    latencyP95Ms: percentile(lags, 0.95),
    latencyP99Ms: percentile(lags, 0.99),
    latencyMaxMs: lags[lags.length - 1] ?? NaN,
    serverP99BoundMs: server.bound * 1000,
  });
}

function printTable(results: Record<string, number | string>): void {
  const r = (k: string) => Number(results[k]);
  const rows: [string, string, string][] = [
    ['Prisma createMany (baseline), rows/s', fmt(r('createManyRowsPerSec')), 'baseline'],
    ['EventWriterRepository.writeBatch alone (COPY path), rows/s', fmt(r('repositoryRowsPerSec')), '—'],
    ['queue → committed, backlog drain, rows/s', fmt(r('drainRowsPerSec')), '≥ 50,000'],
    ['queue → committed, produced concurrently, rows/s', fmt(r('sustainedRowsPerSec')), '≥ 50,000'],
    ['  (producer enqueue rate meanwhile, events/s)', fmt(r('sustainedProducerPerSec')), ''],
    [
      `enqueue → committed p50 / p95 / p99 / max @ ${fmt(r('latencyAchievedRate'))}/s, ms`,
      `${r('latencyP50Ms').toFixed(1)} / ${r('latencyP95Ms').toFixed(1)} / ${r('latencyP99Ms').toFixed(1)} / ${r('latencyMaxMs').toFixed(1)}`,
      'p99 ≤ 500',
    ],
    ['  writer-side publish → commit p99 (histogram bound), ms', `≤ ${fmt(r('serverP99BoundMs'))}`, ''],
    ['  writer CPU while draining, ms per 1,000 events', r('drainWriterCpuMsPer1k').toFixed(1), ''],
    ['  Postgres CPU while draining, ms per 1,000 events', r('drainPostgresCpuMsPer1k').toFixed(1), ''],
    ['  writer CPU during the latency run, share of one core', r('latencyWriterCpuShare').toFixed(2), ''],
    [
      '  failed enqueues / events never seen',
      `${r('latencyFailedEnqueues')} / ${r('latencyUnseen')}`,
      '0 / 0',
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  console.log(
    `\nPersistence writer (${new Date().toISOString()}, ${CHANNELS} channels, load average ${r('loadAverage1m').toFixed(1)} ` +
      `when the writer started, sustained = ${(r('sustainedRowsPerSec') / r('createManyRowsPerSec')).toFixed(1)}x createMany)`,
  );
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const json = args.get('json');
  if (json) writeFileSync(json, JSON.stringify({ scenario: 'writer', results }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
