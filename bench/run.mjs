#!/usr/bin/env node
// Benchmark runner.
//
//   npm run bench                       quick version of every scenario (≈ 7 minutes), then a table
//   npm run bench -- <scenario> [...]   only those scenarios (see --list)
//   npm run bench -- --full             the full version (longer windows, more runs, larger sets)
//   options: --targets=a,b   restrict the systems under test (ws-raw, socketio-classic,
//                            socketio-sharded, channels, channels-optimized, channels-sse)
//            --json=<file>   also write the results there (always written to tmp/bench/latest.json)
//            --verbose       more logging
//   env: BENCH_PIN=0 (no taskset), BENCH_SERVER_CPUS / BENCH_LOAD_CPUS (taskset lists),
//        BENCH_REDIS_URL, BENCH_PG_URL, BENCH_LOG_LEVEL (Channels services, default warn),
//        BENCH_CHANNELS_ENV='{"KEY":"value"}' (extra env for the Channels services),
//        BENCH_STORED_CHANNELS=1 (the Channels targets' channels are persistent; default live-only)
//        BENCH_GATEWAY_ALT=<path to another build's main.js>: target channels-alt, for a side-by-side
//        comparison of two gateway builds (--targets=socketio-classic,channels,channels-alt)
//
// Everything runs on loopback, bounded in count and time; every process, database and Redis key
// it creates is removed at the end (also on Ctrl-C).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createContext } from './lib/context.mjs';
import { CPU_COUNT, LOAD_CPUS, PIN, SERVER_CPUS, killAll } from './lib/proc.mjs';
import { REPO_ROOT, pendingCleanups, channelsAvailable } from './lib/targets.mjs';
import fanout from './scenarios/fanout.mjs';
import chat from './scenarios/chat.mjs';
import fanout2gw from './scenarios/fanout-2gw.mjs';
import idleMemory from './scenarios/idle-memory.mjs';
import crosscheck from './scenarios/crosscheck.mjs';
import { externalScenarios } from './scenarios/external.mjs';

const SCENARIOS = [fanout, chat, fanout2gw, idleMemory, crosscheck, ...externalScenarios];

const args = process.argv.slice(2);
const flags = new Map(
  args
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? true];
    }),
);
const wanted = args.filter((a) => !a.startsWith('--'));

if (flags.has('list') || flags.has('help')) {
  console.log('scenarios:');
  for (const s of SCENARIOS) console.log(`  ${s.name.padEnd(14)} ${s.title}`);
  console.log('\nnpm run bench [-- <scenario>...] [--full] [--targets=a,b] [--json=file] [--verbose]');
  process.exit(0);
}
const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')} — try --list`);
  process.exit(2);
}
const selected = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
const full = flags.has('full');
const runId = `${process.pid}${randomBytes(2).toString('hex')}`;
const runDir = join(REPO_ROOT, 'tmp', 'bench', `run-${runId}`);
mkdirSync(runDir, { recursive: true });

let interrupted = null; // the emergency cleanup, once a signal arrived
function emergencyCleanup(signal) {
  interrupted ??= (async () => {
    console.error(`\n${signal}: stopping every process and removing databases / Redis keys…`);
    killAll('SIGKILL');
    await Promise.race([
      Promise.allSettled([...pendingCleanups].map((c) => c())),
      new Promise((r) => setTimeout(r, 15_000)),
    ]);
    process.exit(130);
  })();
  return interrupted;
}
process.on('SIGINT', () => emergencyCleanup('SIGINT'));
process.on('SIGTERM', () => emergencyCleanup('SIGTERM'));
process.on('exit', () => killAll('SIGKILL'));

const machine = machineInfo();
const ctx = createContext({ full, runId, runDir, verbose: flags.has('verbose') });
ctx.targetFilter = typeof flags.get('targets') === 'string' ? flags.get('targets').split(',') : null;
// A scenario names all its targets and, optionally, the smaller set its quick version uses;
// --targets picks from all of them.
ctx.targets = (all, quick = all) => {
  // channels-alt (BENCH_GATEWAY_ALT) is measured only where channels is, and only when asked for.
  const withAlt = all.includes('channels') ? [...all, 'channels-alt'] : all;
  return ctx.targetFilter ? withAlt.filter((t) => ctx.targetFilter.includes(t)) : ctx.full ? all : quick;
};

console.log(`Channels benchmarks — ${full ? 'full' : 'quick'} mode — ${machine.date}`);
console.log(
  `${machine.cpu} ×${machine.cores}, ${machine.memGB} GB, node ${machine.node}, redis ${machine.redis}, postgres ${machine.postgres}`,
);
console.log(
  PIN
    ? `pinning: servers on CPU ${SERVER_CPUS}, load generators on CPU ${LOAD_CPUS} (taskset)`
    : 'pinning: off (BENCH_PIN=0 or a single core) — compare per server CPU-second',
);
console.log(`Channels gateway: ${channelsAvailable() ? 'dist/apps/gateway/main.js' : 'not built yet'}\n`);

const started = Date.now();
const report = {
  machine,
  mode: full ? 'full' : 'quick',
  pinning: PIN ? { server: SERVER_CPUS, load: LOAD_CPUS } : null,
  scenarios: [],
};
for (const s of selected) {
  const t0 = Date.now();
  // Other work on the machine moves every figure; its load average is kept with the results.
  const loadBefore = loadavg()[0];
  console.log(`▶ ${s.name}: ${s.title} (load average ${loadBefore.toFixed(1)})`);
  let out;
  try {
    out = await s.run(ctx);
  } catch (e) {
    console.log(`  failed: ${e.stack ?? e.message}`);
    out = { rows: [{ figure: s.title, value: 'failed', pass: false, note: e.message.split('\n')[0] }] };
  }
  const seconds = (Date.now() - t0) / 1000;
  console.log(`  (${seconds.toFixed(0)} s)\n`);
  report.scenarios.push({
    name: s.name,
    title: s.title,
    seconds,
    loadAverage: [loadBefore, loadavg()[0]],
    ...out,
  });
  if (interrupted) break;
}
report.totalSeconds = (Date.now() - started) / 1000;

const table = renderTable(report);
console.log(table);
console.log(`\ntotal ${report.totalSeconds.toFixed(0)} s`);
const outDir = join(REPO_ROOT, 'tmp', 'bench');
writeFileSync(join(outDir, 'latest.json'), JSON.stringify(report, null, 2));
writeFileSync(join(outDir, 'latest.md'), `${table}\n`);
if (typeof flags.get('json') === 'string') writeFileSync(flags.get('json'), JSON.stringify(report, null, 2));
console.log(
  `results: tmp/bench/latest.json, tmp/bench/latest.md (logs of this run: ${flags.has('keep-logs') ? runDir : 'removed; --keep-logs keeps them'})`,
);
if (!flags.has('keep-logs')) rmSync(runDir, { recursive: true, force: true });
if (interrupted) await interrupted; // exits 130 once the cleanup is done
const failed = report.scenarios.some((s) => s.rows?.some((r) => r.pass === false));
process.exit(failed ? 1 : 0);

function renderTable(rep) {
  const lines = ['| scenario | figure | value | bar | result |', '|---|---|---|---|---|'];
  const notes = [];
  for (const s of rep.scenarios) {
    for (const r of s.rows ?? []) {
      const result = r.pass === true ? 'pass' : r.pass === false ? '**FAIL**' : r.bar ? 'n/a' : '';
      lines.push(`| ${s.name} | ${r.figure} | ${r.value ?? '—'} | ${r.bar ?? ''} | ${result} |`);
      if (r.note) notes.push(`- ${s.name} / ${r.figure}: ${r.note}`);
    }
  }
  const loads = rep.scenarios
    .filter((s) => s.loadAverage)
    .map((s) => `${s.name} ${s.loadAverage[0].toFixed(1)}`)
    .join(', ');
  return `${lines.join('\n')}\n\n${notes.join('\n')}\n\nload average (1 min) when each scenario started: ${loads}`;
}

function machineInfo() {
  const sh = (cmd, a) => {
    try {
      return execFileSync(cmd, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '?';
    }
  };
  const redis = /redis_version:(\S+)/.exec(sh('redis-cli', ['INFO', 'server']))?.[1] ?? '?';
  const postgres = sh('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-tAc', 'SHOW server_version']).split(
    ' ',
  )[0];
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? '?',
    cores: CPU_COUNT,
    memGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis,
    postgres,
    kernel: sh('uname', ['-r']),
  };
}
