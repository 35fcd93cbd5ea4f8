// One node, 1,000 subscribers on one channel, publishers flat-out (acked flow control: each
// publisher connection keeps a fixed number of publishes in flight, so the server always has
// work queued and never an unbounded backlog).
// Bars, per server CPU-second:
// - Channels over socket.io ≥ 0.9× the best plain socket.io server (classic or sharded adapter);
// - Channels over `/optimized` (target channels-optimized: subscribers and publishers speak the
//   original product's binary protocol, publishes are PUBLISH with an ID, i.e. acknowledged, like
//   the socket.io targets' acked publishes) ≥ 0.9× the raw `ws` broadcast server.
// - Channels over SSE (target channels-sse: subscribers read `GET /sse?channel=fanout` streams,
//   publishers publish over socket.io, acked, as the channels target's do) ≥ 0.8× Channels over
//   socket.io on the same gateway build.
// All with no loss; the `/optimized` and SSE subscribers also check a sample of their frames in full.
import { fmt, fmtSpread, over } from '../lib/context.mjs';
import { measureRun, rigClientIDs, startRig } from '../lib/load.mjs';

const TARGETS = [
  'ws-raw',
  'socketio-classic',
  'socketio-sharded',
  'channels',
  'channels-optimized',
  'channels-sse',
];
const QUICK_TARGETS = TARGETS;
const CHANNEL = 'fanout';

export default {
  name: 'fanout',
  title: 'fan-out: 1 node, 1,000 subscribers on 1 channel, publishers flat-out',
  async run(ctx) {
    const cfg = ctx.full
      ? { subs: 1000, publishers: 2, window: 2, runs: 5, warmupMs: 2000, measureMs: 10_000 }
      : { subs: 1000, publishers: 2, window: 2, runs: 3, warmupMs: 500, measureMs: 2000 };
    const results = await ctx.interleaved({
      names: ctx.targets(TARGETS, QUICK_TARGETS),
      targetOpts: { nodes: 1, channels: [CHANNEL], clientIDs: rigClientIDs(cfg.subs, cfg.publishers) },
      runs: cfg.runs,
      setup: (t) =>
        startRig(t, {
          groups: [{ node: 0, channels: [CHANNEL], count: cfg.subs }],
          publishers: Array.from({ length: cfg.publishers }, () => ({ node: 0, channels: [CHANNEL] })),
        }),
      measure: (rig, t) =>
        measureRun({
          target: t,
          ...rig,
          plan: { mode: 'flat', window: cfg.window, payloadBytes: 64 },
          warmupMs: cfg.warmupMs,
          measureMs: cfg.measureMs,
          subscribersOf: () => cfg.subs,
        }),
    });
    return report(results, cfg);
  },
};

function report(results, cfg) {
  const rows = [];
  const summary = {};
  for (const [name, res] of Object.entries(results)) {
    if (!res.ok) {
      rows.push({
        figure: `${name}: deliveries/s`,
        value: res.unavailable ? 'not available yet' : 'failed',
        note: res.reason,
      });
      continue;
    }
    const runs = res.value;
    const s = {
      deliveries: over(runs, (r) => r.deliveriesPerSec),
      perCpuSec: over(runs, (r) => r.deliveriesPerServerCpuSec),
      usPerDelivery: over(runs, (r) => r.cpuUsPerDelivery),
      p99: over(runs, (r) => r.latency.p99),
      lossRatio: over(runs, (r) => r.lossRatio),
      serverBusy: over(runs, (r) => r.serverBusy),
      loadBusy: over(runs, (r) => r.loadBusy),
      badFrames: Math.max(...runs.map((r) => r.badFrames)),
      verified: runs.reduce((n, r) => n + (r.verified ?? 0), 0),
    };
    summary[name] = s;
    rows.push({
      figure: `${name}: deliveries/s`,
      value: fmtSpread(s.deliveries),
      note:
        `${fmtSpread(s.perCpuSec)} deliveries per server CPU-second (${fmt(s.usPerDelivery.median)} µs/delivery); ` +
        `server process ${fmt(s.serverBusy.median * 100)}% of its core, load generators ${fmt(s.loadBusy.median * 100)}%; ` +
        `p99 ${fmt(s.p99.median)} ms (flat-out: queueing); loss ${fmt(s.lossRatio.median * 100)}%` +
        (s.verified ? `; ${s.verified} frames checked in full, ${s.badFrames} bad` : ''),
    });
  }
  const plain = ['socketio-classic', 'socketio-sharded'].filter((n) => summary[n]);
  const best = plain.length ? Math.max(...plain.map((n) => summary[n].deliveries.median)) : NaN;
  const bestCpu = plain.length ? Math.max(...plain.map((n) => summary[n].perCpuSec.median)) : NaN;
  const ch = summary.channels;
  if (ch && Number.isFinite(best)) {
    // Compared per server CPU-second: on 2 shared cores the wall-clock rate swings with whatever
    // else runs; the cost of a delivery does not. The wall-clock ratio is shown beside it.
    const ratio = ch.perCpuSec.median / bestCpu;
    rows.push({
      figure: 'Channels ÷ best plain socket.io: deliveries per server CPU-second',
      value: `${fmt(ratio)}×`,
      bar: '≥ 0.9×',
      pass: ratio >= 0.9 && ch.lossRatio.max === 0,
      note:
        `${fmt(ch.perCpuSec.median)} vs ${fmt(bestCpu)}; wall-clock deliveries/s ${fmt(ch.deliveries.median / best)}× ` +
        `(${fmt(ch.deliveries.median)} vs ${fmt(best)})` +
        (ch.lossRatio.max ? `; loss up to ${fmt(ch.lossRatio.max * 100)}%` : ''),
    });
  } else if (results.channels) {
    // Not measured (not built, or no plain server among --targets) is no verdict; failed is.
    rows.push({
      figure: 'Channels ÷ best plain socket.io: deliveries per server CPU-second',
      value: results.channels.unavailable ? 'not available yet' : '—',
      bar: '≥ 0.9×',
      pass: results.channels.unavailable || ch ? null : false,
      note: results.channels.reason ?? 'no plain socket.io server was measured (--targets)',
    });
  }
  const opt = summary['channels-optimized'];
  rows.push(
    ...ratioRow(results, summary, {
      target: 'channels-optimized',
      reference: 'ws-raw',
      figure: 'Channels /optimized ÷ raw ws: deliveries per server CPU-second',
      min: 0.9,
      what: 'frames',
      checked: 'decoded',
      extra:
        opt && ch
          ? `; /optimized ÷ socket.io on the same gateway ${fmt(opt.perCpuSec.median / ch.perCpuSec.median)}×`
          : '',
    }),
    ...ratioRow(results, summary, {
      target: 'channels-sse',
      reference: 'channels',
      figure: 'Channels SSE ÷ Channels socket.io: deliveries per server CPU-second',
      min: 0.8,
      what: 'messages',
      checked: 'checked',
    }),
  );
  if (summary['ws-raw'] && plain.length) {
    rows.push({
      figure: 'best plain socket.io ÷ raw ws (reference ≈ 0.89×)',
      value: `${fmt(best / summary['ws-raw'].deliveries.median)}×`,
      note: `per server CPU-second ${fmt(bestCpu / summary['ws-raw'].perCpuSec.median)}×; orientation only`,
    });
  }
  return { rows, summary, config: cfg };
}

/**
 * The bar row "target ÷ reference, deliveries per server CPU-second ≥ min", with no loss and every
 * sampled frame of the target checked in full and right. None when the target was not selected;
 * no verdict when either was not measured (not built, or left out by --targets); failed if one failed.
 */
function ratioRow(results, summary, { target, reference, figure, min, what, checked, extra = '' }) {
  const t = summary[target];
  const r = summary[reference];
  const bar = `≥ ${min}×`;
  if (t && r) {
    const ratio = t.perCpuSec.median / r.perCpuSec.median;
    return [
      {
        figure,
        value: `${fmt(ratio)}×`,
        bar,
        pass: ratio >= min && t.lossRatio.max === 0 && t.badFrames === 0 && t.verified > 0,
        note:
          `${fmt(t.perCpuSec.median)} vs ${fmt(r.perCpuSec.median)} (${fmt(t.usPerDelivery.median)} vs ${fmt(r.usPerDelivery.median)} µs/delivery); ` +
          `wall-clock deliveries/s ${fmt(t.deliveries.median / r.deliveries.median)}×` +
          extra +
          (t.lossRatio.max ? `; loss up to ${fmt(t.lossRatio.max * 100)}%` : '') +
          (t.badFrames ? `; ${t.badFrames} ${what} failed the full check` : '') +
          (t.verified ? '' : `; no ${what.slice(0, -1)} was ${checked} in full`),
      },
    ];
  }
  if (!results[target]) return [];
  const missing = [target, reference].find((n) => !summary[n]);
  const res = results[missing];
  return [
    {
      figure,
      value: res?.unavailable ? 'not available yet' : '—',
      bar,
      pass: res && !res.unavailable ? false : null,
      note: res?.reason ?? `${missing} was not measured (--targets)`,
    },
  ];
}
