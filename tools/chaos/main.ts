/**
 * The chaos ledger run and the soak (see docs/reliability.md). Started by `npm run chaos`
 * (tools/chaos/run.mjs builds the services first):
 *
 *   npm run chaos                        faults under steady acked publishing, then the ledger
 *     [-- --phase-seconds=40 --pre-seconds=10 --rate=250 --channels=40 --loss-window-ms=5000]
 *   npm run chaos -- soak                thousands of connections, memory sampled for 15 minutes
 *     [--minutes=15 --warmup-minutes=5 --connections=3000 --rate=100 --sample-seconds=10
 *      --heap-snapshots=presence,gateway-1]   heap snapshots at warm-up end and at the end
 *
 * Everything it starts is its own — a redis-server on a spare port, a database, the services, the
 * front door — and is stopped and removed at the end, also on failure or Ctrl-C. Exits 1 when an
 * expectation fails (each is named), 2 on bad arguments. Reports: tmp/chaos/*.json.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@channels/testing';
import { type ChaosReport, runChaos, writeReport } from './chaos-run';
import { cleanupAll, installSignalHandlers } from './harness';
import { runSoak, type SoakReport } from './soak-run';

const argv = process.argv.slice(2);
const mode = argv.find((a) => !a.startsWith('--')) ?? 'chaos';
const flags = new Map(
  argv
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? 'true'] as const;
    }),
);
function num(name: string, def: number, min: number, max: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name}=${raw}: expected a number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

const CHAOS_FLAGS = ['phase-seconds', 'pre-seconds', 'rate', 'channels', 'loss-window-ms'];
const SOAK_FLAGS = [
  'minutes',
  'warmup-minutes',
  'connections',
  'channels',
  'rate',
  'sample-seconds',
  'churn',
  'heap-snapshots',
];
if (flags.has('help') || !['chaos', 'soak'].includes(mode)) {
  console.log(`usage: npm run chaos [-- ${CHAOS_FLAGS.map((f) => `--${f}=N`).join(' ')}]
       npm run chaos -- soak [${SOAK_FLAGS.map((f) => (f === 'heap-snapshots' ? `--${f}=SERVICE,…` : `--${f}=N`)).join(' ')}]`);
  process.exit(mode === 'chaos' || mode === 'soak' ? 0 : 2);
}
const known = mode === 'chaos' ? CHAOS_FLAGS : SOAK_FLAGS;
const unknown = [...flags.keys()].filter((k) => !known.includes(k));
if (unknown.length) {
  console.error(`unknown option(s) for ${mode}: ${unknown.map((k) => `--${k}`).join(', ')} (try --help)`);
  process.exit(2);
}

const runTag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
mkdirSync(join(REPO_ROOT, 'tmp', 'chaos'), { recursive: true });
installSignalHandlers();

const cell = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined ? 'n/a' : Number.isFinite(v) ? v.toFixed(digits) : '—';

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function printChaos(r: ChaosReport): void {
  console.log(
    '\nChaos ledger (acked events by the phase they were first tried in; deliveries by the phase they happened in)\n',
  );
  console.log(
    table(
      [
        'phase',
        'ack mode',
        'acked',
        'missing in PG',
        'oldest lost (ms before fault)',
        'retried ids',
        'duplicate rows',
        'gaps as recovered',
        'dup deliveries',
        'out of order',
        'recovered:false',
        'epoch seen changing live',
        'reconnects',
        'max reconnect (ms)',
        'presence online',
      ],
      r.rows.map((row) => [
        row.phase,
        row.mode === 'committed' && row.acked === null ? 'committed (not available)' : row.mode,
        cell(row.acked),
        cell(row.missing),
        row.missing ? cell(row.missingMaxAgeMs) : '',
        cell(row.retried),
        cell(row.duplicateRows),
        row.delivery
          ? `${row.delivery.gaps}${row.delivery.gapEvents ? ` (${row.delivery.gapEvents} ev)` : ''}`
          : '',
        row.delivery ? cell(row.delivery.duplicates) : '',
        row.delivery ? cell(row.delivery.outOfOrder) : '',
        row.delivery ? cell(row.delivery.recoveredFalse) : '',
        row.delivery ? cell(row.delivery.liveEpochChanges) : '',
        row.delivery ? cell(row.delivery.reconnects) : '',
        row.delivery ? cell(row.delivery.maxReconnectMs) : '',
        row.presenceOnline ?? '',
      ]),
    ),
  );
  console.log(`
duplicate rows: ${r.duplicateRowsById} by publisher id, ${r.duplicateRowsByKey} by payload key; rows never acked: ${r.unackedRows}
publishes never acked (given up after the run): ${r.abandoned}; publish errors retried: ${JSON.stringify(r.publishErrors)}
commit-ack mode: ${r.commitAck.available ? 'on for a quarter of the channels' : `not available (${r.commitAck.reason})`}
epoch after Redis data loss: ${r.epochChanged.map((e) => `${e.phase}: ${e.changed} of ${e.channels} channels changed`).join('; ') || 'n/a'}`);
  console.log(
    `services that exited by themselves (restarted by the run): ${r.crashes.map((c) => `${c.service} in ${c.phase ?? 'setup'} (${c.exit}): ${c.error}`).join('; ') || 'none'}`,
  );
  console.log('\nPer subscriber, whole run\n');
  console.log(
    table(
      [
        'subscriber',
        'delivered',
        'gaps as recovered',
        'dup',
        'out of order',
        'recovered:true',
        'recovered:false',
        'reconnects',
        'max reconnect (ms)',
      ],
      r.subscribers.map((s) => [
        s.subscriber,
        cell(s.delivered),
        `${s.gaps}${s.gapEvents ? ` (${s.gapEvents} ev)` : ''}`,
        cell(s.duplicates),
        cell(s.outOfOrder),
        cell(s.recoveredTrue),
        cell(s.recoveredFalse),
        cell(s.reconnects),
        cell(s.maxReconnectMs),
      ]),
    ),
  );
  if (r.anomalies.length) console.log('\nFirst anomalies:');
  for (const a of r.anomalies.slice(0, 15))
    console.log(`  ${a.phase} ${a.subscriber} ${a.channelID} ${a.kind}: ${a.detail}`);
}

function printSoak(r: SoakReport): void {
  console.log(
    `\nSoak: ${r.options.connections} connections (${r.connected} opened), ${r.options.rate} publishes/s, ${r.options.minutes} min; slope after ${r.options.warmupMinutes} min of warm-up\n`,
  );
  console.log(
    table(
      ['process', 'metric', 'mean MiB', 'slope MiB/min', 'growth MiB', 'noise allowance MiB', 'verdict'],
      r.series.map((s) => [
        s.process,
        s.metric,
        cell(s.meanMiB, 1),
        cell(s.slopeMiBPerMin, 3),
        cell(s.growthMiB, 1),
        cell(s.allowanceMiB, 1),
        s.notJudged ? `not judged (${s.notJudged})` : s.pass ? 'no growth beyond noise' : 'GROWS',
      ]),
    ),
  );
  console.log(
    `\nrss: resident set size; heap: V8 heap in use after a full collection; external: Buffers and ArrayBuffers (also after it)`,
  );
  console.log(
    `delivered ${r.delivered}, acked ${r.acked}, publish errors ${JSON.stringify(r.publishErrors)}`,
  );
  for (const f of r.heapSnapshots) console.log(`heap snapshot: ${f}`);
}

async function main(): Promise<number> {
  let report: ChaosReport | SoakReport;
  if (mode === 'soak') {
    // 5 minutes of warm-up, then 10 measured: under this load the gateways' resident memory keeps
    // rising in steps for about 5 minutes before it levels off (docs/reliability.md, "Soak").
    const minutes = num('minutes', 15, 1, 120);
    report = await runSoak({
      runTag,
      minutes,
      warmupMinutes: num('warmup-minutes', Math.min(5, minutes / 3), 0, minutes - 0.5),
      connections: num('connections', 3_000, 10, 20_000),
      channels: num('channels', 100, 1, 1_000),
      rate: num('rate', 100, 1, 2_000),
      sampleSeconds: num('sample-seconds', 10, 1, 600),
      churnPerSample: num('churn', 30, 0, 1_000),
      heapSnapshots: (flags.get('heap-snapshots') ?? '').split(',').filter(Boolean),
    });
    printSoak(report);
  } else {
    report = await runChaos({
      runTag,
      phaseSeconds: num('phase-seconds', 40, 5, 600),
      preSeconds: num('pre-seconds', 10, 3, 600),
      rate: num('rate', 250, 10, 2_000),
      channels: num('channels', 40, 4, 200),
      lossWindowMs: num('loss-window-ms', 5_000, 0, 600_000),
    });
    printChaos(report);
  }
  const file = writeReport(report, `${mode}-${runTag}.json`);
  writeReport(report, `latest-${mode}.json`);
  console.log(`\nreport: ${file} (also tmp/chaos/latest-${mode}.json)`);
  if (report.violations.length) {
    console.log(`\nFAILED expectations (${report.violations.length}):`);
    for (const v of report.violations) console.log(`  ✗ ${v}`);
    return 1;
  }
  console.log('\nEvery expectation met.');
  return 0;
}

main()
  .catch((e: Error) => {
    console.error(`\nchaos ${mode} failed: ${e.stack ?? e.message}`);
    return 1;
  })
  .then(async (code) => {
    console.log('stopping everything this run started…');
    await cleanupAll();
    process.exit(code);
  });
