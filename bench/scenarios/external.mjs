// Benchmarks owned by other parts of the system (bench/writer, bench/history, bench/presence),
// each run as a separate process. Contract for those scripts (see bench/README.md):
//
//   entry     bench/<area>/run.mjs (or index.mjs, <area>.mjs, the folder's only .mjs file, or a
//             TypeScript `*bench*.ts` run through the folder's ts-register.cjs)
//   invoked   node <entry> --quick|--full --json=<file>   env BENCH_MODE=quick|full, BENCH_REDIS_URL, BENCH_PG_URL
//   output    preferably one line per figure:
//               BENCH_RESULT {"figure":"…","value":"…","bar":"…","pass":true|false|null,"note":"…"}
//             otherwise the JSON file `{results: {key: number}}` is read (known keys get their bar)
//   bounds    quick ≤ 120 s; the script cleans up what it creates; exit code ≠ 0 means it failed.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, waitExit } from '../lib/proc.mjs';
import { fmt } from '../lib/stats.mjs';
import { PG_URL, REDIS_URL, REPO_ROOT } from '../lib/targets.mjs';

const AREAS = [
  { name: 'writer', title: 'persistence writer: throughput and publish→durable latency (bench/writer)' },
  { name: 'history', title: 'history latency on a 2,000,000-event channel (bench/history)' },
  { name: 'presence', title: 'presence: kill -9 of a gateway → offline announcement (bench/presence)' },
  { name: 'durability', title: 'publish ack latency: queued vs committed ack mode (bench/durability)' },
  { name: 'hooks', title: "publish hook: added latency over the backend's own time (bench/hooks)" },
  { name: 'webhooks', title: 'webhooks delivered per second to a loopback receiver (bench/webhooks)' },
];

/** `{entry, nodeArgs}` for an area's benchmark, or null when there is none yet. */
export function findEntry(area) {
  const dir = join(REPO_ROOT, 'bench', area);
  if (!existsSync(dir)) return null;
  for (const f of ['run.mjs', 'index.mjs', `${area}.mjs`, 'run.js', 'index.js']) {
    if (existsSync(join(dir, f))) return { entry: join(dir, f), nodeArgs: [] };
  }
  const files = readdirSync(dir);
  const scripts = files.filter((f) => /\.(mjs|js)$/.test(f));
  if (scripts.length === 1) return { entry: join(dir, scripts[0]), nodeArgs: [] };
  const ts = files.filter((f) => /bench.*\.ts$/.test(f) && !/\.(spec|d)\.ts$/.test(f));
  // A TypeScript benchmark runs through a ts-register.cjs hook: its own folder's, else any bench/*/ one.
  const register = [dir, ...readdirSync(join(REPO_ROOT, 'bench')).map((d) => join(REPO_ROOT, 'bench', d))]
    .map((d) => join(d, 'ts-register.cjs'))
    .find((f) => existsSync(f));
  if (ts.length === 1 && register) return { entry: join(dir, ts[0]), nodeArgs: ['-r', register] };
  return null;
}

/** Figures with bars for the result keys the areas' scripts are known to write. */
const KNOWN = {
  writer: (r) => [
    r.sustainedRowsPerSec !== undefined && {
      figure: 'writer: queue → committed rows/s (produced concurrently)',
      value: fmt(r.sustainedRowsPerSec),
      bar: '≥ 50,000',
      pass: r.sustainedRowsPerSec >= 50_000,
    },
    r.drainRowsPerSec !== undefined && {
      figure: 'writer: queue → committed rows/s (backlog drain)',
      value: fmt(r.drainRowsPerSec),
      bar: '≥ 50,000',
      pass: r.drainRowsPerSec >= 50_000,
    },
    r.latencyP99Ms !== undefined && {
      figure: `writer: publish→durable p99 at ${fmt(r.latencyAchievedRate)} events/s`,
      value: `${fmt(r.latencyP99Ms)} ms`,
      bar: '≤ 500 ms',
      pass: r.latencyP99Ms <= 500 && !r.latencyUnseen && !r.latencyFailedEnqueues,
      note: `p50 ${fmt(r.latencyP50Ms)} ms, max ${fmt(r.latencyMaxMs)} ms; failed enqueues ${r.latencyFailedEnqueues ?? '?'}, never seen ${r.latencyUnseen ?? '?'}`,
    },
    r.createManyRowsPerSec !== undefined && {
      figure: 'writer: Prisma createMany baseline rows/s',
      value: fmt(r.createManyRowsPerSec),
      note: r.sustainedRowsPerSec
        ? `writer is ${fmt(r.sustainedRowsPerSec / r.createManyRowsPerSec)}× createMany`
        : undefined,
    },
  ],
};

const ms = (x) => (Number.isFinite(x) ? `${fmt(x / 1000)} s` : '—');
KNOWN.presence = (r) => {
  const rows = [];
  for (const c of Array.isArray(r.crash) ? r.crash : []) {
    rows.push({
      figure: `presence: kill -9 of a gateway → last offline announced (${c.label})`,
      value: ms(c.medianOfLast),
      bar: 'gone ≤ 15 s, then the grace period',
      pass: null,
      note: `worst ${ms(c.worstLast)}, median of medians ${ms(c.medianOfMedians)}; ${c.clients} clients, ${Array.isArray(c.trials) ? c.trials.length : c.trials} trial(s)`,
    });
  }
  (Array.isArray(r.throughput) ? r.throughput : []).forEach((t, i) => {
    rows.push({
      figure: `presence: transitions/s (${t.replicas ?? i + 1} replica${(t.replicas ?? i + 1) > 1 ? 's' : ''})`,
      value: `online ${fmt(t.onlineBacklogPerSec)}/s, offline ${fmt(t.offlineLivePerSec)}/s`,
      note: `joins ${fmt(t.joinsPerSec)}/s, leaves ${fmt(t.leavesPerSec)}/s reported by gateways`,
    });
  });
  const sc = r.scale;
  if (sc && typeof sc === 'object') {
    const hb = Object.values(sc.heartbeat ?? {});
    rows.push({
      figure: `presence: ${fmt(sc.members)}-member channel snapshot / count`,
      value: `${fmt(sc.snapshotFull?.medianMs)} ms / ${fmt(sc.onlineCount?.medianMs)} ms`,
      note: `initial_online_status ${fmt(sc.initialOnlineStatusBytes)} bytes; heartbeat ${hb.map((h) => `${fmt(h?.medianMs)} ms`).join(' vs ')} (small vs large gateway)`,
    });
  }
  return rows;
};

function rowsFromJson(area, file) {
  if (!existsSync(file)) return [];
  let j;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  if (Array.isArray(j)) return j.filter((r) => r && typeof r === 'object' && 'figure' in r);
  if (Array.isArray(j.figures)) return j.figures;
  const results = j.results && typeof j.results === 'object' ? j.results : j;
  if (!results) return [];
  const known = KNOWN[area]?.(results).filter(Boolean) ?? [];
  if (known.length) return known;
  return Object.entries(results)
    .filter(([, v]) => typeof v === 'number')
    .slice(0, 8)
    .map(([k, v]) => ({ figure: `${area}: ${k}`, value: fmt(v) }));
}

/** Parses `BENCH_RESULT {json}` lines. */
export function parseResults(output) {
  const rows = [];
  for (const line of output.split('\n')) {
    const m = /^\s*BENCH_RESULT\s+(\{.*\})\s*$/.exec(line);
    if (!m) continue;
    try {
      rows.push(JSON.parse(m[1]));
    } catch {
      // malformed line: ignored
    }
  }
  return rows;
}

function scenarioFor(area) {
  return {
    name: area.name,
    title: area.title,
    async run(ctx) {
      const found = findEntry(area.name);
      if (!found) {
        return {
          rows: [
            { figure: area.title, value: 'not available yet', note: `no bench/${area.name}/run.mjs yet` },
          ],
        };
      }
      const timeoutMs = ctx.full ? 30 * 60_000 : 120_000;
      const jsonFile = join(ctx.runDir, `${area.name}-results.json`);
      const child = spawnNode([found.entry, ctx.full ? '--full' : '--quick', `--json=${jsonFile}`], {
        nodeArgs: found.nodeArgs,
        env: { BENCH_MODE: ctx.full ? 'full' : 'quick', BENCH_REDIS_URL: REDIS_URL, BENCH_PG_URL: PG_URL },
        logFile: join(ctx.runDir, `${area.name}.log`),
        group: true,
      });
      child.stdout.on('data', (d) => {
        for (const line of d.toString().split('\n')) if (line.trim()) ctx.log(`    ${line}`);
      });
      const started = Date.now();
      const code = await waitExit(child, timeoutMs);
      const timedOut = Date.now() - started >= timeoutMs;
      child.kill('SIGKILL'); // whatever the script left running in its process group
      const parsed = parseResults(child.output);
      const rows = (parsed.length ? parsed : rowsFromJson(area.name, jsonFile)).map((r) => ({
        figure: String(r.figure),
        value: r.value === undefined ? '—' : String(r.value) + (r.unit ? ` ${r.unit}` : ''),
        bar: r.bar === undefined ? undefined : String(r.bar),
        pass: typeof r.pass === 'boolean' ? r.pass : r.bar === undefined ? undefined : null,
        note: r.note === undefined ? undefined : String(r.note),
      }));
      if (code !== 0 || timedOut) {
        const tail = child.output.trim().split('\n').slice(-3).join(' | ');
        rows.push({
          figure: `bench/${area.name}`,
          value: timedOut ? `timed out after ${timeoutMs / 1000} s` : `exited ${code}`,
          pass: false,
          note: tail.slice(0, 400),
        });
      } else if (!rows.length) {
        rows.push({
          figure: `bench/${area.name}`,
          value: 'ran (no BENCH_RESULT lines)',
          note: child.output.trim().split('\n').slice(-2).join(' | ').slice(0, 400),
        });
      }
      return { rows, entry: found.entry.slice(REPO_ROOT.length + 1), exitCode: code };
    },
  };
}

export const externalScenarios = AREAS.map(scenarioFor);
