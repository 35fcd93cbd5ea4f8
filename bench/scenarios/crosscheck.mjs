// Cross-check of the load generator: at small scale, the minimal client and the real
// socket.io-client subscribe side by side to the same channel while publishers run at a fixed
// rate. Both must receive every event (expected = acked publishes × subscribers) and see similar
// latency; otherwise the minimal client's figures elsewhere cannot be trusted.
import { describeRun, fmt } from '../lib/context.mjs';
import { measureRun, startPublishers, startSubscribers } from '../lib/load.mjs';

const TARGETS = ['socketio-classic', 'channels'];
const CHANNEL = 'crosscheck';
const SUBS = 50;

export default {
  name: 'crosscheck',
  title: 'load generator cross-check: minimal client vs socket.io-client (50 + 50 subscribers)',
  async run(ctx) {
    const cfg = ctx.full
      ? { rate: 200, warmupMs: 1000, measureMs: 10_000 }
      : { rate: 100, warmupMs: 500, measureMs: 2500 };
    const clientIDs = [
      ...Array.from({ length: SUBS }, (_v, i) => `m${i}`),
      ...Array.from({ length: SUBS }, (_v, i) => `r${i}`),
      'p0',
    ];
    const rows = [];
    // Quick mode checks one target: Channels when it is built, else the plain socket.io server.
    const quick = [ctx.channelsAvailable() ? 'channels' : 'socketio-classic'];
    for (const name of ctx.targets(TARGETS, quick)) {
      const res = await ctx.withTarget(name, { nodes: 1, channels: [CHANNEL], clientIDs }, async (t) => {
        const common = { waitFor: t.waitFor, appID: t.appID, jwtSecret: t.jwtSecret };
        const group = [{ url: t.urls[0], channels: [CHANNEL], count: SUBS }];
        const minimal = await startSubscribers(
          { ...common, protocol: t.protocol, clientPrefix: 'm', groups: group },
          'minimal client',
        );
        const real = await startSubscribers(
          { ...common, protocol: 'sio-real', clientPrefix: 'r', groups: group },
          'socket.io-client',
        );
        const pubs = await startPublishers({
          ...common,
          protocol: t.protocol,
          clientPrefix: 'p',
          publishers: [{ url: t.urls[0], channels: [CHANNEL] }],
        });
        try {
          return await measureRun({
            target: t,
            subs: [minimal, real],
            pubs,
            plan: { mode: 'rate', rate: cfg.rate, payloadBytes: 64 },
            warmupMs: cfg.warmupMs,
            measureMs: cfg.measureMs,
            subscribersOf: () => 2 * SUBS,
          });
        } finally {
          await Promise.all([minimal.close(), real.close(), pubs.close()]);
        }
      });
      if (!res.ok) {
        rows.push({
          figure: `${name}: minimal client = socket.io-client`,
          value: res.unavailable ? 'not available yet' : 'failed',
          bar: 'same deliveries, no loss',
          pass: res.unavailable ? null : false,
          note: res.reason,
        });
        continue;
      }
      ctx.log(`    ${name}: ${describeRun(res.value)}`);
      const [m, r] = res.value.perWorker;
      const expectedEach = res.value.expected / 2;
      const ok =
        m.received === expectedEach && r.received === expectedEach && m.badFrames === 0 && r.badFrames === 0;
      ctx.log(
        `    ${name}: minimal ${m.received}/${expectedEach} p50 ${fmt(m.latency.p50)} p99 ${fmt(m.latency.p99)} ms; socket.io-client ${r.received}/${expectedEach} p50 ${fmt(r.latency.p50)} p99 ${fmt(r.latency.p99)} ms`,
      );
      rows.push({
        figure: `${name}: minimal client = socket.io-client`,
        value: `${m.received} = ${r.received} of ${expectedEach}`,
        bar: 'same deliveries, no loss',
        pass: ok,
        note: `latency p50/p99: minimal ${fmt(m.latency.p50)}/${fmt(m.latency.p99)} ms, socket.io-client ${fmt(r.latency.p50)}/${fmt(r.latency.p99)} ms`,
      });
    }
    return { rows, config: cfg };
  },
};
