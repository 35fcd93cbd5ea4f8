/**
 * Publish ack latency, "queued" vs "committed" ack mode: one socket.io publisher sends acked
 * publishes one after another to a persistent channel in each mode (alternating blocks, so drift
 * in background load hits both alike) through the built gateway, with the built writer running;
 * p50/p99 of publish → ack, client side.
 *
 *   node -r ./bench/durability/ts-register.cjs bench/durability/ack-latency-bench.ts [--quick]
 *     [--json=file] [--publishes=N]
 *
 * Needs `npx nx build gateway persistence-writer admin-api`. Its own database and Redis prefix,
 * removed at the end (BENCH_PG_URL / BENCH_REDIS_URL choose the servers).
 */
import '../writer/env-from-harness';
import { writeFileSync } from 'node:fs';
import { call, connectClient, Fixtures, Stack } from '@channels/testing';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const quick = args.has('quick') || process.env['BENCH_MODE'] === 'quick';
const PUBLISHES = Number(args.get('publishes') ?? (quick ? 2_000 : 10_000));
const BLOCK = 100;
const APP = 'bench-ack';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const stack = new Stack({
    gateways: 1,
    writers: 1,
    presences: 0,
    env: { LOG_LEVEL: 'warn', PUBLISH_RATE_PER_SEC: '1000000', PUBLISH_RATE_BURST: '1000000' },
  });
  try {
    await stack.start();
    const fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    for (const mode of ['queued', 'committed'] as const) {
      await fx.channel(APP, mode, { persistent: true });
      await fx.query('UPDATE channels SET ack_mode = $1 WHERE app_id = $2 AND id = $3', [mode, APP, mode]);
    }
    await fx.close();
    const { socket } = await connectClient(stack.url('gateway'), {
      token: stack.clientToken(APP, 'bench'),
      appID: APP,
    });
    const latencies: Record<'queued' | 'committed', number[]> = { queued: [], committed: [] };
    const publish = async (mode: 'queued' | 'committed', n: number) => {
      const t0 = process.hrtime.bigint();
      const ack = await call<{ ok: boolean }>(socket, 'publish', {
        channelID: mode,
        eventType: 'bench',
        payload: { n, text: 'a short chat message of the benchmark' },
        id: `${mode}-${n}`,
      });
      if (!ack.ok) throw new Error(`publish failed: ${JSON.stringify(ack)}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    // Warm-up (not measured).
    for (let i = 0; i < 200; i++) await publish(i % 2 ? 'queued' : 'committed', -i - 1);
    for (let done = 0; done < PUBLISHES; done += BLOCK) {
      for (const mode of ['queued', 'committed'] as const)
        for (let i = 0; i < BLOCK; i++) latencies[mode].push(await publish(mode, done + i));
    }
    socket.close();
    const out: Record<string, number> = {};
    for (const mode of ['queued', 'committed'] as const) {
      const sorted = latencies[mode].sort((a, b) => a - b);
      out[`${mode}_p50_ms`] = percentile(sorted, 50);
      out[`${mode}_p99_ms`] = percentile(sorted, 99);
      console.log(
        `BENCH_RESULT ${JSON.stringify({
          figure: `publish ack latency, ${mode} (p50 / p99, ${sorted.length} acked publishes)`,
          value: `${out[`${mode}_p50_ms`].toFixed(2)} / ${out[`${mode}_p99_ms`].toFixed(2)} ms`,
          bar: '',
          pass: null,
          note:
            mode === 'committed'
              ? 'ack after the writer committed the row'
              : 'ack after the Redis step and queue hand-off',
        })}`,
      );
    }
    const json = args.get('json');
    if (json) writeFileSync(json, JSON.stringify(out, null, 2));
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
