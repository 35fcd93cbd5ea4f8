/**
 * What a publish hook costs: one socket.io client publishes acked events one after another, in
 * alternating blocks, to a channel of an app without hooks and to one of an app whose publish hook
 * is a local HTTP backend answering `{allow: true}` at once; the backend measures its own time per
 * request. Reported: publish → ack p50/p99 for both, and the hook's added latency (with hook −
 * without) beside the backend's own time.
 *
 *   node -r ./bench/hooks/ts-register.cjs bench/hooks/hook-latency-bench.ts [--quick] [--json=file]
 *
 * Needs `npx nx build gateway admin-api`. Its own database and Redis prefix, removed at the end.
 */
import '../writer/env-from-harness';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const own: number[] = [];
  const backend = createServer((req, res) => {
    const t0 = process.hrtime.bigint();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      JSON.parse(body);
      res.setHeader('Content-Type', 'application/json');
      res.end('{"allow":true}');
      own.push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/publish`;
  const stack = new Stack({
    gateways: 1,
    writers: 0,
    presences: 0,
    env: { LOG_LEVEL: 'warn', PUBLISH_RATE_PER_SEC: '1000000', PUBLISH_RATE_BURST: '1000000' },
  });
  try {
    await stack.start();
    const fx = await Fixtures.connect(stack.databaseUrl);
    for (const app of ['plain', 'hooked']) {
      await fx.app(app);
      await fx.channel(app, 'room', {});
    }
    await fx.query('UPDATE apps SET hooks = $1 WHERE id = $2', [
      JSON.stringify({ publish: { url }, timeoutMs: 2000 }),
      'hooked',
    ]);
    await fx.close();
    const sockets = {
      plain: (
        await connectClient(stack.url('gateway'), { token: stack.clientToken('plain', 'b'), appID: 'plain' })
      ).socket,
      hooked: (
        await connectClient(stack.url('gateway'), {
          token: stack.clientToken('hooked', 'b'),
          appID: 'hooked',
        })
      ).socket,
    };
    const latencies = { plain: [] as number[], hooked: [] as number[] };
    const publish = async (app: 'plain' | 'hooked', n: number) => {
      const t0 = process.hrtime.bigint();
      const ack = await call<{ ok: boolean }>(sockets[app], 'publish', {
        channelID: 'room',
        eventType: 'bench',
        payload: { n, text: 'a short chat message of the benchmark' },
      });
      if (!ack.ok) throw new Error(`publish failed: ${JSON.stringify(ack)}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    for (let i = 0; i < 300; i++) await publish(i % 2 ? 'plain' : 'hooked', -i - 1);
    own.length = 0;
    for (let done = 0; done < PUBLISHES; done += BLOCK)
      for (const app of ['plain', 'hooked'] as const)
        for (let i = 0; i < BLOCK; i++) latencies[app].push(await publish(app, done + i));
    for (const s of Object.values(sockets)) s.close();

    const plain = latencies.plain.sort((a, b) => a - b);
    const hooked = latencies.hooked.sort((a, b) => a - b);
    const backendOwn = own.sort((a, b) => a - b);
    const out = {
      plain_p50_ms: percentile(plain, 50),
      plain_p99_ms: percentile(plain, 99),
      hooked_p50_ms: percentile(hooked, 50),
      hooked_p99_ms: percentile(hooked, 99),
      backend_p50_ms: percentile(backendOwn, 50),
      backend_p99_ms: percentile(backendOwn, 99),
      added_p50_ms: percentile(hooked, 50) - percentile(plain, 50),
      added_p99_ms: percentile(hooked, 99) - percentile(plain, 99),
    };
    const f = (x: number) => x.toFixed(2);
    console.log(
      `BENCH_RESULT ${JSON.stringify({
        figure: `publish → ack without / with a publish hook (p50, p99; ${plain.length} publishes each)`,
        value: `${f(out.plain_p50_ms)} / ${f(out.hooked_p50_ms)} ms; ${f(out.plain_p99_ms)} / ${f(out.hooked_p99_ms)} ms`,
        bar: '',
        pass: null,
        note: 'live channel; the hook is a loopback backend answering {allow: true} at once',
      })}`,
    );
    console.log(
      `BENCH_RESULT ${JSON.stringify({
        figure: "publish hook: added latency over the backend's own time (p50 / p99)",
        value: `${f(out.added_p50_ms - out.backend_p50_ms)} / ${f(out.added_p99_ms - out.backend_p99_ms)} ms`,
        bar: '',
        pass: null,
        note: `added ${f(out.added_p50_ms)} / ${f(out.added_p99_ms)} ms, of which the backend itself ${f(out.backend_p50_ms)} / ${f(out.backend_p99_ms)} ms`,
      })}`,
    );
    const json = args.get('json');
    if (json) writeFileSync(json, JSON.stringify(out, null, 2));
  } finally {
    await stack.stop();
    backend.closeAllConnections();
    backend.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
