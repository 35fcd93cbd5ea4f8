/**
 * Webhooks benchmark: webhooks delivered per second by one webhooks service replica to a receiver
 * on loopback that answers 204 at once, and the time from a webhook's emit to its receipt.
 *
 *   npx nx build webhooks
 *   node -r ./bench/writer/ts-register.cjs bench/webhooks/webhooks-bench.ts [--quick] [--json=file]
 *     [--webhooks=N] [--channels=N]
 *
 * Runs the built service (dist/apps/webhooks/main.js) through the e2e `Stack` (fresh database and
 * Redis prefix, removed at the end). The producer is the `WebhookEmitter` the other services use,
 * in this process; so is the receiver (a plain Node HTTP server). Webhooks are spread over
 * `channels` channels: each channel's are sent one at a time, in sequence order, so the channels
 * are the parallelism. The run checks that every webhook arrived, once per id (no retry happens
 * with a receiver that always answers 204), each channel's in sequence order.
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { redisKeys, type WebhookBody } from '@channels/contracts';
import {
  BullmqWebhookDispatch,
  createRedis,
  RedisWebhookOutbox,
  RedisWebhookSettings,
  WebhookEmitter,
} from '@channels/realtime';
import { BASE_REDIS_URL, Fixtures, Stack } from '@channels/testing';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const num = (k: string, def: number) => Number(args.get(k) ?? def);
const WEBHOOKS = num('webhooks', quick ? 10_000 : 50_000);
const CHANNELS = num('channels', 200);
const APP = 'bench';
const CONCURRENCY = 64;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const result = (r: { figure: string; value: string; bar?: string; pass?: boolean | null; note?: string }) =>
  console.log(`BENCH_RESULT ${JSON.stringify(r)}`);

async function main(): Promise<void> {
  const received: { body: WebhookBody; at: number }[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({ body: JSON.parse(raw) as WebhookBody, at: Date.now() });
      res.writeHead(204).end();
      if (received.length === WEBHOOKS) done();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  const stack = new Stack({
    gateways: 0,
    writers: 0,
    presences: 0,
    adminApi: false,
    webhooks: 1,
    env: {
      LOG_LEVEL: 'warn',
      WEBHOOKS_CONCURRENCY: String(CONCURRENCY),
      WEBHOOK_APP_CONCURRENCY: String(CONCURRENCY),
      WEBHOOK_APP_RATE_PER_SEC: '0',
    },
  });
  const redis = createRedis(BASE_REDIS_URL);
  let dispatch: BullmqWebhookDispatch | undefined;
  try {
    await stack.start();
    const fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.query(`INSERT INTO webhook_settings (app_id, url, types) VALUES ($1, $2, $3)`, [
      APP,
      url,
      ['channel_occupied'],
    ]);
    await fx.close();
    const keys = redisKeys(stack.redisPrefix);
    const settings = new RedisWebhookSettings(redis, keys);
    await settings.mirror(APP, ['channel_occupied']);
    dispatch = new BullmqWebhookDispatch({ redisUrl: BASE_REDIS_URL, keyPrefix: stack.redisPrefix });
    const emitter = new WebhookEmitter(settings, new RedisWebhookOutbox(redis, keys), dispatch);

    const started = Date.now();
    // Emitted concurrently, a bounded number at a time (what busy gateways would do).
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < WEBHOOKS) {
          const i = next++;
          await emitter.emit(APP, 'channel_occupied', { channelID: `ch-${i % CHANNELS}`, data: { i } });
        }
      }),
    );
    const emitted = Date.now();
    const timeout = setTimeout(() => done(), quick ? 90_000 : 600_000);
    await all;
    clearTimeout(timeout);
    const finished = Date.now();

    const ids = new Set(received.map((r) => r.body.id));
    const lastSeq = new Map<string, number>();
    let outOfOrder = 0;
    for (const { body } of received) {
      const prev = lastSeq.get(body.channelID ?? '') ?? 0;
      if (body.sequence <= prev) outOfOrder++;
      lastSeq.set(body.channelID ?? '', body.sequence);
    }
    const lags = received.map((r) => r.at - r.body.timestamp);
    const seconds = (finished - started) / 1000;
    const complete = received.length === WEBHOOKS && ids.size === WEBHOOKS && outOfOrder === 0;
    const results = {
      webhooks: WEBHOOKS,
      channels: CHANNELS,
      received: received.length,
      distinctIds: ids.size,
      outOfOrder,
      deliveredPerSec: received.length / seconds,
      emittedPerSec: WEBHOOKS / ((emitted - started) / 1000),
      lagP50Ms: quantile(lags, 0.5),
      lagP99Ms: quantile(lags, 0.99),
      machine: { cpus: cpus().length, loadavg: loadavg() },
    };
    result({
      figure: `webhooks: delivered/s, 1 replica, ${fmt(CHANNELS)} channels, receiver on loopback`,
      value: fmt(results.deliveredPerSec),
      bar: 'every webhook once, each channel in order',
      pass: complete,
      note: `${fmt(received.length)}/${fmt(WEBHOOKS)} received, ${fmt(ids.size)} distinct ids, ${outOfOrder} out of order; emitted ${fmt(results.emittedPerSec)}/s; emit→receipt p50 ${fmt(results.lagP50Ms)} ms, p99 ${fmt(results.lagP99Ms)} ms (backlog included)`,
    });
    const json = args.get('json');
    if (json) writeFileSync(json, JSON.stringify(results, null, 2));
    if (!complete) process.exitCode = 1;
  } finally {
    await dispatch?.close();
    redis.disconnect();
    await stack.stop();
    server.closeAllConnections();
    server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
