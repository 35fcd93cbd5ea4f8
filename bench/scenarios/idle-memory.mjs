// Idle connection memory on one node: 5,000 authenticated connections, no traffic. Per connection
// = (server RSS with them − RSS before) ÷ 5,000, both read after a full GC (the probe's SIGUSR2
// hook) and a short settle. Then every connection subscribes to one of 100 channels (50 each) and
// the increment is reported per subscription. A first 500 connections (subscribed) are opened
// before the "before" sample so one-time costs (JIT, buffers, pools, rooms) are not charged to the
// connections. Each run uses a fresh server process. Bars: ≤ 15 KB per idle connection (Channels
// over socket.io); over `/optimized` (target channels-optimized: the original product's binary
// protocol, one SUBSCRIBE per channel) ≤ raw `ws`'s figure of the same run + 2 KB. Over SSE (target
// channels-sse) the memory per idle stream is reported, with no bar: a stream is subscribed to its
// channel from the start (`GET /sse?channel=…`), so its figure includes one subscription, and there
// is no separate subscribe step.
//
// No single process counter gives memory per connection exactly, so the figure is the larger of
// two estimates: RSS growth, and JS heap growth (heapUsed after GC) + native growth (rss −
// heapTotal). RSS growth alone under-counts when the server reuses pages its GC freed after boot;
// heap + native under-counts when the heap commits pages before touching them.
import { fmt, fmtSpread, over } from '../lib/context.mjs';
import { startSubscribers } from '../lib/load.mjs';
import { rssBytes, sleep, snapshotProbes } from '../lib/proc.mjs';

const TARGETS = [
  'ws-raw',
  'socketio-classic',
  'socketio-sharded',
  'channels',
  'channels-optimized',
  'channels-sse',
];
// Quick mode measures the bars only (opening 5,000 connections dominates its time); the plain
// socket.io servers are compared in the full version.
const QUICK_TARGETS = ['ws-raw', 'channels', 'channels-optimized', 'channels-sse'];
const OPTIMIZED_OVER_RAW_KB = 2;
const CHANNELS = Array.from({ length: 100 }, (_v, i) => `idle-${i}`);

async function gcAndSample(target) {
  const pid = target.serverPids[0];
  const [probe] = await snapshotProbes(target.probeDir, [pid], { gc: true });
  await sleep(300);
  const m = probe?.memory;
  return {
    rss: m?.rss ?? rssBytes(pid),
    heapUsed: m?.heapUsed ?? NaN,
    native: m ? m.rss - m.heapTotal : NaN,
  };
}

export default {
  name: 'idle-memory',
  title: 'idle memory: 5,000 connections on one node',
  async run(ctx) {
    const cfg = ctx.full
      ? { warm: 500, conns: 5000, runs: 5, settleMs: 3000 }
      : { warm: 500, conns: 5000, runs: 1, settleMs: 1000 };
    const groups = (url, count) =>
      CHANNELS.map((c) => ({ url, channels: [c], count: Math.ceil(count / CHANNELS.length) }));
    const clientIDs = [
      ...Array.from({ length: cfg.warm }, (_v, i) => `w${i}`),
      ...Array.from({ length: cfg.conns }, (_v, i) => `s${i}`),
    ];
    const results = {};
    for (const name of ctx.targets(TARGETS, QUICK_TARGETS)) {
      const runs = [];
      let failure;
      for (let i = 0; i < cfg.runs && !failure; i++) {
        const res = await ctx.withTarget(name, { nodes: 1, channels: CHANNELS, clientIDs }, async (t) => {
          const common = {
            protocol: t.protocol,
            waitFor: t.waitFor,
            appID: t.appID,
            jwtSecret: t.jwtSecret,
            concurrency: 50,
          };
          const warm = await startSubscribers(
            { ...common, clientPrefix: 'w', groups: groups(t.urls[0], cfg.warm) },
            'warm-up',
          );
          let main;
          try {
            await sleep(500);
            const before = await gcAndSample(t);
            // An SSE stream is subscribed as it opens: no "connected only" state, no subscribe step.
            const sse = t.protocol === 'sse';
            main = await startSubscribers(
              { ...common, clientPrefix: 's', subscribe: sse, groups: groups(t.urls[0], cfg.conns) },
              'idle',
            );
            await sleep(cfg.settleMs);
            const after = await gcAndSample(t);
            let subscribed = after;
            if (!sse) {
              const sub = await main.call({ cmd: 'subscribe' }, 'subscribed', 120_000);
              if (sub.failed) throw new Error(`${sub.failed} subscribes failed (first: ${sub.firstError})`);
              await sleep(cfg.settleMs);
              subscribed = await gcAndSample(t);
            }
            const n = main.connected.ok;
            const kb = (a, b) => (b - a) / n / 1024;
            const kbSub = (a, b) => (sse ? NaN : kb(a, b));
            const r = {
              connections: n,
              connectMs: main.connected.ms,
              rssPerConnKB: kb(before.rss, after.rss),
              perConnKB: Math.max(
                kb(before.rss, after.rss),
                kb(before.heapUsed, after.heapUsed) + Math.max(0, kb(before.native, after.native)),
              ),
              nativePerConnKB: kb(before.native, after.native),
              perSubKB: Math.max(
                kbSub(after.rss, subscribed.rss),
                kbSub(after.heapUsed, subscribed.heapUsed) +
                  Math.max(0, kbSub(after.native, subscribed.native)),
              ),
              heapPerConnKB: kb(before.heapUsed, after.heapUsed),
              rssPerSubKB: kbSub(after.rss, subscribed.rss),
              heapPerSubKB: kbSub(after.heapUsed, subscribed.heapUsed),
              rssBeforeMB: before.rss / 2 ** 20,
              rssAfterMB: after.rss / 2 ** 20,
            };
            ctx.log(
              `    ${name.padEnd(16)} run ${i + 1}: ${n} connections in ${r.connectMs} ms: ${fmt(r.perConnKB)} KB/conn (heap ${fmt(r.heapPerConnKB)} + native ${fmt(r.nativePerConnKB)}; RSS ${fmt(r.rssBeforeMB)} → ${fmt(r.rssAfterMB)} MB = ${fmt(r.rssPerConnKB)})` +
                (sse ? ' (one subscription each included)' : `; +1 subscription each: ${fmt(r.perSubKB)} KB`),
            );
            return r;
          } finally {
            await Promise.all([warm.close(), main?.close()]);
          }
        });
        if (res.ok) runs.push(res.value);
        else failure = res;
      }
      results[name] = failure && !runs.length ? failure : { ok: true, value: runs };
    }
    return report(results, cfg);
  },
};

function report(results, cfg) {
  const rows = [];
  const summary = {};
  for (const [name, res] of Object.entries(results)) {
    if (!res.ok) {
      rows.push({
        figure:
          name === 'channels-sse'
            ? 'channels-sse: memory per idle stream (reported, no bar)'
            : `${name}: memory per idle connection`,
        value: res.unavailable ? 'not available yet' : 'failed',
        bar: name === 'channels' ? '≤ 15 KB' : undefined,
        pass: name === 'channels' && !res.unavailable ? false : undefined,
        note: res.reason,
      });
      continue;
    }
    const s = {
      perConn: over(res.value, (r) => r.perConnKB),
      rss: over(res.value, (r) => r.rssPerConnKB),
      heap: over(res.value, (r) => r.heapPerConnKB),
      native: over(res.value, (r) => r.nativePerConnKB),
      sub: over(res.value, (r) => r.perSubKB),
      connectMs: over(res.value, (r) => r.connectMs),
    };
    summary[name] = s;
    const isChannels = name === 'channels';
    if (name === 'channels-sse') {
      rows.push({
        figure: 'channels-sse: memory per idle stream (reported, no bar)',
        value: fmtSpread(s.perConn, ' KB'),
        note:
          `each stream subscribed to one channel (an SSE stream always is); ` +
          `RSS growth ${fmtSpread(s.rss, ' KB')}; JS heap ${fmtSpread(s.heap, ' KB')} + native ${fmtSpread(s.native, ' KB')}; ` +
          `${cfg.conns} streams opened in ${fmt(s.connectMs.median)} ms`,
      });
      continue;
    }
    rows.push({
      figure: `${name}: memory per idle connection`,
      value: fmtSpread(s.perConn, ' KB'),
      bar: isChannels ? '≤ 15 KB' : undefined,
      pass: isChannels ? s.perConn.median <= 15 : undefined,
      note:
        `RSS growth ${fmtSpread(s.rss, ' KB')}; JS heap ${fmtSpread(s.heap, ' KB')} + native ${fmtSpread(s.native, ' KB')}; ` +
        `subscribing each to one channel adds ${fmtSpread(s.sub, ' KB')}; ` +
        `${cfg.conns} connections opened in ${fmt(s.connectMs.median)} ms` +
        (name === 'socketio-classic' ? '; reference plain socket.io ≈ 12.5 KB' : '') +
        (name === 'ws-raw' ? '; reference raw ws ≈ 4.4 KB' : ''),
    });
  }
  const ch = rows.find((r) => r.figure.startsWith('channels:'));
  if (ch && summary.channels && summary['socketio-classic']) {
    ch.note += `; ${fmt(summary.channels.perConn.median / summary['socketio-classic'].perConn.median)}× plain socket.io's in this run`;
  }
  const sseRow = rows.find((r) => r.figure.startsWith('channels-sse:'));
  if (sseRow && summary['channels-sse'] && summary.channels) {
    const io = summary.channels;
    sseRow.note += `; socket.io on the same gateway: ${fmt(io.perConn.median)} KB idle + ${fmt(io.sub.median)} KB for one subscription`;
  }
  const opt = summary['channels-optimized'];
  const raw = summary['ws-raw'];
  const optFigure = 'Channels /optimized − raw ws: memory per idle connection';
  if (opt && raw) {
    const extra = opt.perConn.median - raw.perConn.median;
    rows.push({
      figure: optFigure,
      value: `${extra >= 0 ? '+' : ''}${fmt(extra)} KB`,
      bar: `≤ +${OPTIMIZED_OVER_RAW_KB} KB`,
      pass: extra <= OPTIMIZED_OVER_RAW_KB,
      note:
        `${fmt(opt.perConn.median)} vs ${fmt(raw.perConn.median)} KB` +
        (summary.channels
          ? `; socket.io on the same gateway ${fmt(summary.channels.perConn.median)} KB`
          : ''),
    });
  } else if (results['channels-optimized']) {
    // Not measured (not built, or left out by --targets) is no verdict; failed is.
    const missing = ['channels-optimized', 'ws-raw'].find((n) => !summary[n]);
    const res = results[missing];
    rows.push({
      figure: optFigure,
      value: res?.unavailable ? 'not available yet' : '—',
      bar: `≤ +${OPTIMIZED_OVER_RAW_KB} KB`,
      pass: res && !res.unavailable ? false : null,
      note: res?.reason ?? `${missing} was not measured (--targets)`,
    });
  }
  return { rows, summary, config: cfg };
}
