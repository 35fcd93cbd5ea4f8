// One channel × 2,000 subscribers over 2 nodes (1,000 each), one publisher on each node, at half
// of the plain server's maximum load. The maximum is measured first in the same run: the plain
// socket.io server (classic adapter) flat-out. Bar: Channels p99 ≤ the plain server's p99 at the
// same rate.
import { fmt, fmtSpread, over } from '../lib/context.mjs';
import { measureRun, rigClientIDs, startRig } from '../lib/load.mjs';

const TARGETS = ['socketio-classic', 'socketio-sharded', 'channels'];
// Quick mode compares with the bar's reference only (the classic adapter).
const QUICK_TARGETS = ['socketio-classic', 'channels'];
const CHANNEL = 'big';
const PER_NODE = 1000;

export default {
  name: 'fanout-2gw',
  title: 'fan-out over 2 nodes: 1 channel × 2,000 subscribers, half of max load',
  async run(ctx) {
    const cfg = ctx.full
      ? { runs: 5, warmupMs: 2000, measureMs: 10_000, maxMeasureMs: 5000 }
      : // 5 s windows in quick mode too: at ≈ 15 publishes/s a 2 s window's p99 is its slowest
        // publish or two, which one stall of the shared machine decides for either target.
        { runs: 3, warmupMs: 500, measureMs: 5000, maxMeasureMs: 2000 };
    let rate = NaN;
    let maxInfo = null;
    const names = ctx.targets(TARGETS, QUICK_TARGETS);
    const results = await ctx.interleaved({
      names,
      targetOpts: { nodes: 2, channels: [CHANNEL], clientIDs: rigClientIDs(2 * PER_NODE, 2) },
      runs: cfg.runs,
      setup: (t) =>
        startRig(t, {
          groups: [
            { node: 0, channels: [CHANNEL], count: PER_NODE },
            { node: 1, channels: [CHANNEL], count: PER_NODE },
          ],
          publishers: [
            { node: 0, channels: [CHANNEL] },
            { node: 1, channels: [CHANNEL] },
          ],
          prime: { rate: 4, durationMs: 500 },
        }),
      before: async (rigs) => {
        const ref = rigs['socketio-classic'] ?? Object.values(rigs)[0];
        if (!ref) return;
        const r = await measureRun({
          target: ref.target,
          ...ref.rig,
          plan: { mode: 'flat', window: 2 },
          warmupMs: 500,
          measureMs: cfg.maxMeasureMs,
          subscribersOf: () => 2 * PER_NODE,
        });
        rate = Math.max(1, Math.round(r.publishesPerSec / 2));
        maxInfo = {
          target: ref.name,
          publishesPerSec: r.publishesPerSec,
          deliveriesPerSec: r.deliveriesPerSec,
        };
        ctx.log(
          `    max load (${ref.name}, flat-out): ${fmt(r.publishesPerSec)} publishes/s = ${fmt(r.deliveriesPerSec)} deliveries/s → running at ${rate} publishes/s`,
        );
      },
      measure: (rig, t) =>
        measureRun({
          target: t,
          ...rig,
          plan: { mode: 'rate', rate, payloadBytes: 64 },
          warmupMs: cfg.warmupMs,
          measureMs: cfg.measureMs,
          subscribersOf: () => 2 * PER_NODE,
        }),
    });
    return report(results, { ...cfg, rate, max: maxInfo });
  },
};

function report(results, cfg) {
  const rows = [];
  const summary = {};
  for (const [name, res] of Object.entries(results)) {
    if (!res.ok) {
      rows.push({
        figure: `${name}: p99 at ${cfg.rate} publishes/s`,
        value: res.unavailable ? 'not available yet' : 'failed',
        note: res.reason,
      });
      continue;
    }
    const runs = res.value;
    const s = {
      p50: over(runs, (r) => r.latency.p50),
      p95: over(runs, (r) => r.latency.p95),
      p99: over(runs, (r) => r.latency.p99),
      max: over(runs, (r) => r.latency.max),
      deliveries: over(runs, (r) => r.deliveriesPerSec),
      usPerDelivery: over(runs, (r) => r.cpuUsPerDelivery),
      lossRatio: over(runs, (r) => r.lossRatio),
    };
    summary[name] = s;
    rows.push({
      figure: `${name}: p99 at ${cfg.rate} publishes/s`,
      value: fmtSpread(s.p99, ' ms'),
      note: `p50 ${fmt(s.p50.median)} / p95 ${fmt(s.p95.median)} / max ${fmt(s.max.median)} ms; ${fmt(s.deliveries.median)} deliveries/s; server ${fmt(s.usPerDelivery.median)} µs CPU/delivery; loss ${fmt(s.lossRatio.max * 100)}%`,
    });
  }
  const ch = summary.channels;
  const plain = summary['socketio-classic'];
  if (ch && plain) {
    rows.push({
      figure: 'Channels p99 ÷ plain socket.io p99 (same load)',
      value: `${fmt(ch.p99.median / plain.p99.median)}×`,
      bar: '≤ 1× (reference plain ≈ 30 ms)',
      pass: ch.p99.median <= plain.p99.median && ch.lossRatio.max === 0,
      note: `${fmt(ch.p99.median)} vs ${fmt(plain.p99.median)} ms; max load measured: ${cfg.max ? `${fmt(cfg.max.publishesPerSec)} publishes/s on ${cfg.max.target}` : '—'}`,
    });
  } else {
    const res = results.channels;
    rows.push({
      figure: 'Channels p99 ÷ plain socket.io p99 (same load)',
      value: res && !res.ok ? (res.unavailable ? 'not available yet' : 'failed') : '—',
      bar: '≤ 1×',
      pass: res && !res.ok && !res.unavailable ? false : null,
      note: res?.reason,
    });
  }
  return { rows, summary, config: cfg };
}
