// Chat-shaped load: 4 nodes, 400 channels × 5 subscribers, each node holding its own 100 channels
// (all 5 subscribers of a channel and its senders are on the same node), fixed publish rate.
//
// Measured per target: server CPU per delivery (all nodes), publish→receive latency, and how many
// Redis pub/sub messages each node had to read (counted on the wire inside each server process by
// bench/lib/probe.cjs), compared with the publishes of that node's own channels.
// Bars (Channels): inbound Redis messages per node ≈ its own channels' publishes only (≤ 1.1×);
// server CPU per delivery ≤ 0.9× the classic adapter's; p99 ≤ 10 ms.
import { fmt, fmtSpread, over } from '../lib/context.mjs';
import { measureRun, rigClientIDs, startRig } from '../lib/load.mjs';
import { pubsubCounts, redisCpuSeconds } from '../lib/targets.mjs';

const TARGETS = ['socketio-classic', 'socketio-sharded', 'channels'];
// The bars compare with the classic adapter; the sharded one (orientation) only in the full version.
const QUICK_TARGETS = ['socketio-classic', 'channels'];
const NODES = 4;
const CHANNELS = 400;
const SUBS_PER_CHANNEL = 5;
const PUBS_PER_NODE = 10; // 500 publishes/s ÷ 40 connections = 12.5/s each (the gateway's default limit is 100/s per client)
// Before the first measured run, each target in turn carries this load (62.5/s per connection):
// at 500 publishes/s a server's per-publish code runs ≈ 125 times a second per process, which
// leaves it in V8's interpreter and baseline tiers for tens of seconds (CPU per delivery fell by
// half over the first 30 s of measured runs, for every target); a few thousand publishes first get
// it optimized, so what is compared is the servers' steady state, as in production.
const WARMUP = { rate: 2500, durationMs: 3000 };

export default {
  name: 'chat',
  title: 'chat-shaped: 4 nodes, 400 channels × 5 subscribers, own channels per node, fixed rate',
  async run(ctx) {
    const cfg = ctx.full
      ? { rate: 500, runs: 5, warmupMs: 2000, measureMs: 10_000 }
      : { rate: 500, runs: 3, warmupMs: 500, measureMs: 2000 };
    const channels = Array.from({ length: CHANNELS }, (_v, i) => `chat-${i}`);
    const nodeOf = (i) => Math.floor((i * NODES) / CHANNELS);
    const groups = channels.map((c, i) => ({ node: nodeOf(i), channels: [c], count: SUBS_PER_CHANNEL }));
    const publishers = [];
    for (let n = 0; n < NODES; n++) {
      const own = channels.filter((_c, i) => nodeOf(i) === n);
      for (let k = 0; k < PUBS_PER_NODE; k++) {
        publishers.push({ node: n, channels: own.filter((_c, j) => j % PUBS_PER_NODE === k) });
      }
    }
    const subscriptions = {};
    const results = await ctx.interleaved({
      names: ctx.targets(TARGETS, QUICK_TARGETS),
      targetOpts: {
        nodes: NODES,
        channels,
        clientIDs: rigClientIDs(CHANNELS * SUBS_PER_CHANNEL, publishers.length),
      },
      runs: cfg.runs,
      setup: async (t) => {
        const rig = await startRig(t, { groups, publishers, prime: { rate: cfg.rate, durationMs: 500 } });
        // Who listens on Redis for a channel: sharded modes should show 1 connection per channel.
        const sample = [0, 1, 150, 399].map((i) => t.shardChannel(channels[i]));
        subscriptions[t.name] = await pubsubCounts('SHARDNUMSUB', sample).catch(() => null);
        return rig;
      },
      // One target at a time (they share the server core).
      before: async (rigs) => {
        for (const { rig } of Object.values(rigs)) {
          await rig.pubs.call(
            { cmd: 'run', plan: { mode: 'rate', payloadBytes: 64, ...WARMUP } },
            'done',
            WARMUP.durationMs + 60_000,
          );
        }
        await new Promise((r) => setTimeout(r, 300));
      },
      measure: async (rig, t) => {
        const redis0 = await redisCpuSeconds().catch(() => NaN);
        const r = await measureRun({
          target: t,
          ...rig,
          plan: { mode: 'rate', rate: cfg.rate, payloadBytes: 64 },
          warmupMs: cfg.warmupMs,
          measureMs: cfg.measureMs,
          subscribersOf: () => SUBS_PER_CHANNEL,
        });
        const redis1 = await redisCpuSeconds().catch(() => NaN);
        // Publishes are spread evenly over the 400 channels, so each node owns a quarter of them.
        const ownPerNode = r.publishesInWindow / NODES;
        r.redisInboundPerOwn = r.redisMessagesPerNode.map((m) => m / ownPerNode);
        r.redisCpuSec = redis1 - redis0;
        ctx.debug(
          `      redis inbound per node ÷ own publishes: ${r.redisInboundPerOwn.map((x) => fmt(x)).join(', ')}`,
        );
        return r;
      },
    });
    return report(results, cfg, subscriptions);
  },
};

function report(results, cfg, subscriptions) {
  const rows = [];
  const summary = {};
  for (const [name, res] of Object.entries(results)) {
    if (!res.ok) {
      rows.push({
        figure: `${name}`,
        value: res.unavailable ? 'not available yet' : 'failed',
        note: res.reason,
      });
      continue;
    }
    const runs = res.value;
    const s = {
      usPerDelivery: over(runs, (r) => r.cpuUsPerDelivery),
      totalUsPerDelivery: over(runs, (r) => r.totalCpuUsPerDelivery),
      p50: over(runs, (r) => r.latency.p50),
      p99: over(runs, (r) => r.latency.p99),
      max: over(runs, (r) => r.latency.max),
      inbound: over(runs, (r) => Math.max(...r.redisInboundPerOwn)),
      deliveries: over(runs, (r) => r.deliveriesPerSec),
      lossRatio: over(runs, (r) => r.lossRatio),
      redisCpu: over(runs, (r) => r.redisCpuSec / r.windowSec),
    };
    summary[name] = s;
    rows.push({
      figure: `${name}: server CPU per delivery`,
      value: fmtSpread(s.usPerDelivery, ' µs'),
      note:
        `${fmt(s.deliveries.median)} deliveries/s; p50 ${fmt(s.p50.median)} ms, p99 ${fmtSpread(s.p99, ' ms')}, max ${fmt(s.max.median)} ms; ` +
        `each node read ${fmtSpread(s.inbound, '×')} its own channels' publishes from Redis; loss ${fmt(s.lossRatio.max * 100)}%` +
        (name === 'channels' ? `; with writer+presence ${fmt(s.totalUsPerDelivery.median)} µs` : '') +
        `; Redis server CPU (shared, indicative) ${fmt(s.redisCpu.median * 100)}%` +
        (subscriptions[name]
          ? `; subscribers per sharded channel ${Object.values(subscriptions[name]).join('/')}`
          : ''),
    });
  }
  const ch = summary.channels;
  const classic = summary['socketio-classic'];
  const na = results.channels && !results.channels.ok;
  const naValue = results.channels?.unavailable ? 'not available yet' : 'failed';
  rows.push(
    ch
      ? {
          figure: 'Channels: Redis messages read per node ÷ own-channel publishes',
          value: fmtSpread(ch.inbound, '×'),
          bar: '≤ 1.1× (own channels only)',
          pass: ch.inbound.median <= 1.1,
          note: classic
            ? `classic adapter: ${fmt(classic.inbound.median)}× (every node reads every publish)`
            : undefined,
        }
      : {
          figure: 'Channels: Redis messages read per node ÷ own-channel publishes',
          value: na ? naValue : '—',
          bar: '≤ 1.1×',
          pass: na && !results.channels.unavailable ? false : null,
        },
  );
  rows.push(
    ch && classic
      ? {
          figure: 'Channels ÷ classic adapter: server CPU per delivery',
          value: `${fmt(ch.usPerDelivery.median / classic.usPerDelivery.median)}×`,
          bar: '≤ 0.9×',
          pass: ch.usPerDelivery.median / classic.usPerDelivery.median <= 0.9,
          note:
            `${fmt(ch.usPerDelivery.median)} vs ${fmt(classic.usPerDelivery.median)} µs` +
            (summary['socketio-sharded']
              ? `; sharded adapter ${fmt(summary['socketio-sharded'].usPerDelivery.median)} µs`
              : ''),
        }
      : {
          figure: 'Channels ÷ classic adapter: server CPU per delivery',
          value: na ? naValue : '—',
          bar: '≤ 0.9×',
          pass: na && !results.channels.unavailable ? false : null,
        },
  );
  rows.push(
    ch
      ? {
          figure: 'Channels: publish→deliver p99',
          value: fmtSpread(ch.p99, ' ms'),
          bar: '≤ 10 ms',
          pass: ch.p99.median <= 10 && ch.lossRatio.max === 0,
          note:
            `reference: classic 9 ms, sharded 5 ms; this run: classic ${fmt(classic?.p99.median)} ms, sharded ${fmt(summary['socketio-sharded']?.p99.median)} ms` +
            (ch.lossRatio.max ? `; loss up to ${fmt(ch.lossRatio.max * 100)}%` : ''),
        }
      : {
          figure: 'Channels: publish→deliver p99',
          value: na ? naValue : '—',
          bar: '≤ 10 ms',
          pass: na && !results.channels.unavailable ? false : null,
        },
  );
  return {
    rows,
    summary,
    config: { ...cfg, nodes: NODES, channels: CHANNELS, subsPerChannel: SUBS_PER_CHANNEL },
  };
}
