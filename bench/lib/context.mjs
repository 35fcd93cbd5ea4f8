// What every scenario gets from the runner: mode, a run directory for logs, logging, and
// `withTarget` (start a system under test, run, always stop and clean up).
import { rmSync } from 'node:fs';
import { NotAvailable, startTarget, channelsAvailable } from './targets.mjs';
import { fmt, fmtSpread, summarize } from './stats.mjs';

export function createContext({ full, runId, runDir, verbose }) {
  const ctx = {
    full,
    quick: !full,
    runId,
    runDir,
    verbose,
    log: (...a) => console.log(...a),
    debug: (...a) => {
      if (verbose) console.log(...a);
    },
    channelsAvailable,
    /**
     * Starts `name`, runs `fn(target)`, stops it. Resolves `{ok: true, value}` or
     * `{ok: false, reason}` (target not available here, or it failed — the reason says which).
     */
    async withTarget(name, opts, fn) {
      let target;
      try {
        target = await startTarget(name, { ctx, ...opts });
      } catch (e) {
        if (e instanceof NotAvailable) return { ok: false, unavailable: true, reason: e.message };
        ctx.log(`  ${name}: failed to start: ${e.message}`);
        return { ok: false, reason: `failed to start: ${e.message.split('\n')[0]}` };
      }
      try {
        return { ok: true, value: await fn(target) };
      } catch (e) {
        ctx.log(`  ${name}: ${e.stack ?? e.message}`);
        return { ok: false, reason: e.message.split('\n')[0] };
      } finally {
        await target.stop().catch((e) => ctx.log(`  ${name}: cleanup failed: ${e.message}`));
        rmSync(target.probeDir, { recursive: true, force: true });
      }
    },
    /**
     * Starts every target in `names` (one after the other), builds a rig for each with
     * `setup(target)`, optionally runs `before(rigs)`, then measures `runs` rounds interleaving
     * the targets (round 1: A, B, C; round 2: A, B, C; …) so that drift in the machine's load
     * (2 shared cores) hits every target alike. A target that fails is reported and dropped; the
     * others go on. Resolves `{[name]: {ok: true, value: run[]} | {ok: false, reason, unavailable?}}`.
     */
    async interleaved({ names, targetOpts, setup, before, measure, runs }) {
      const out = {};
      const live = [];
      try {
        // Targets start and their rigs connect in parallel (servers and load generators are
        // pinned apart, so this mostly overlaps waiting); measuring is strictly one at a time.
        const started = await Promise.all(
          names.map(async (name) => {
            let target;
            const t0 = Date.now();
            try {
              target = await startTarget(name, { ctx, ...targetOpts });
            } catch (e) {
              out[name] =
                e instanceof NotAvailable
                  ? { ok: false, unavailable: true, reason: e.message }
                  : { ok: false, reason: `failed to start: ${e.message.split('\n')[0]}` };
              if (!(e instanceof NotAvailable)) ctx.log(`  ${name}: failed to start: ${e.message}`);
              return null;
            }
            const entry = { name, target, rig: null, runs: [] };
            live.push(entry);
            const t1 = Date.now();
            try {
              entry.rig = await setup(target);
              ctx.debug(
                `    ${name}: servers up in ${t1 - t0} ms, clients connected and primed in ${Date.now() - t1} ms`,
              );
            } catch (e) {
              ctx.log(`  ${name}: setup failed: ${e.stack ?? e.message}`);
              out[name] = { ok: false, reason: `setup failed: ${e.message.split('\n')[0]}` };
            }
            return entry;
          }),
        );
        const ordered = started.filter(Boolean);
        const ready = () => ordered.filter((e) => e.rig && !out[e.name]);
        if (before) await before(Object.fromEntries(ready().map((e) => [e.name, e])));
        for (let i = 0; i < runs; i++) {
          for (const e of ready()) {
            try {
              const r = await measure(e.rig, e.target, i);
              e.runs.push(r);
              ctx.log(`    ${e.name.padEnd(16)} run ${i + 1}: ${describeRun(r)}`);
            } catch (err) {
              ctx.log(`  ${e.name}: run ${i + 1} failed: ${err.stack ?? err.message}`);
              out[e.name] = { ok: false, reason: err.message.split('\n')[0] };
            }
          }
        }
        for (const e of ready()) out[e.name] = { ok: true, value: e.runs };
        return out;
      } finally {
        const t2 = Date.now();
        await Promise.all(
          live.map(async (e) => {
            await e.rig?.close().catch(() => undefined);
            await e.target.stop().catch((err) => ctx.log(`  ${e.name}: cleanup failed: ${err.message}`));
            rmSync(e.target.probeDir, { recursive: true, force: true });
          }),
        );
        ctx.debug(`    stopped and cleaned up in ${Date.now() - t2} ms`);
      }
    },
  };
  ctx.targets = (all, quick = all) => (full ? all : quick);
  return ctx;
}

/** Summaries of one metric over runs: `pick(run)` → number. */
export const over = (runs, pick) => summarize(runs.map(pick));

/** One line per target and run, for the log. */
export function describeRun(r) {
  return (
    `pub/s ${fmt(r.publishesPerSec)}  deliv/s ${fmt(r.deliveriesPerSec)}  ` +
    `p50/p95/p99/max ${fmt(r.latency.p50)}/${fmt(r.latency.p95)}/${fmt(r.latency.p99)}/${fmt(r.latency.max)} ms  ` +
    `loss ${r.lost}/${r.expected}  server ${fmt(r.cpuUsPerDelivery)} µs/deliv (busy ${fmt(r.serverBusy * 100)}%)` +
    (r.auxCpuSec ? ` aux ${fmt(r.auxCpuSec)} s` : '') +
    `  load busy ${fmt(r.loadBusy * 100)}%` +
    (r.publishFailures ? `  publish failures ${r.publishFailures} (${r.firstError})` : '') +
    (r.disconnects ? `  disconnects ${r.disconnects}` : '')
  );
}

export { fmt, fmtSpread, summarize };
