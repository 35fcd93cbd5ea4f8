/**
 * Presence benchmark: time from `kill -9` of a gateway to the offline announcements its clients
 * cause, presence transitions/s through the presence service (one and two replicas), and the cost
 * of what must stay cheap at scale — the snapshot of a 10,000-member channel, the online count, and
 * a gateway heartbeat whatever its number of connections and channels.
 *
 *   npx nx build gateway && npx nx build presence
 *   node -r ./bench/writer/ts-register.cjs bench/presence/presence-bench.ts [--quick] [--json=file]
 *     [--part=crash,throughput,scale] [--crash-clients=N] [--transitions=N] [--members=N]
 *   (--quick runs the crash part only unless --part says otherwise)
 *
 * Runs the built services (dist/apps/{gateway,presence}/main.js) through the e2e `Stack` (fresh
 * database and Redis prefix, removed at the end). Gateways are played by the same tracker code the
 * gateway runs where a socket.io connection adds nothing to what is measured.
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { channelRoom, type OnlineStatusPayload, redisKeys } from '@channels/contracts';
import {
  createRedis,
  type PresenceConnection,
  RedisPresenceTracker,
  roomShardChannel,
} from '@channels/realtime';
import { BASE_REDIS_URL, call, connectClient, Fixtures, type RunningService, Stack } from '@channels/testing';
import type Redis from 'ioredis';
import type { Socket } from 'socket.io-client';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const num = (k: string, def: number) => Number(args.get(k) ?? def);
// The quick mode (`npm run bench`) measures the bar only: kill -9 → offline announcement.
const parts = new Set((args.get('part') ?? (quick ? 'crash' : 'crash,throughput,scale')).split(','));
const CRASH_CLIENTS = num('crash-clients', quick ? 50 : 200);
const TRANSITIONS = num('transitions', quick ? 10_000 : 40_000);
const MEMBERS = num('members', 10_000);
const APP = 'bench';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};

const results: Record<string, unknown> = { machine: { cpus: cpus().length, node: process.version } };
const log = (line: string) => process.stdout.write(`${line}\n`);

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 10 ms). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Runs `fn` with `limit` calls in flight at most. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let it = queue.shift(); it !== undefined; it = queue.shift()) await fn(it);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 1. kill -9 of a gateway → offline announcements (real gateways, real socket.io clients)
// ---------------------------------------------------------------------------------------------

interface CrashConfig {
  label: string;
  env: Record<string, string>;
  trials: number;
}

async function crashScenario(cfg: CrashConfig): Promise<Record<string, unknown>> {
  const stack = new Stack({
    gateways: 2,
    writers: 0,
    adminApi: false,
    presences: 1,
    env: { LOG_LEVEL: 'warn', ...cfg.env },
  });
  const sockets: Socket[] = [];
  try {
    await stack.start();
    const fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, 'lobby', { presence: true });
    await fx.close();
    const trials: { first: number; median: number; last: number; p99: number; count: number }[] = [];
    for (let trial = 0; trial < cfg.trials; trial++) {
      const [victim, survivor] = stack.all('gateway');
      const watcher = await connectClient(survivor.url, {
        token: stack.clientToken(APP, `watcher${trial}`),
        appID: APP,
      });
      sockets.push(watcher.socket);
      const heard = new Map<string, { status: boolean; at: number }[]>();
      watcher.socket.on('online_status', (p: OnlineStatusPayload) => {
        heard.set(p.clientID, [...(heard.get(p.clientID) ?? []), { status: p.status, at: nowMs() }]);
      });
      await call(watcher.socket, 'subscribe', { channels: ['lobby'] });
      const names = Array.from({ length: CRASH_CLIENTS }, (_, i) => `t${trial}c${i}`);
      await pool(names, 50, async (n) => {
        const c = await connectClient(victim.url, { token: stack.clientToken(APP, n), appID: APP });
        sockets.push(c.socket);
        await call(c.socket, 'subscribe', { channels: ['lobby'] });
      });
      const deadline = Date.now() + 30_000;
      while (names.some((n) => !heard.get(n)?.some((h) => h.status)) && Date.now() < deadline)
        await sleep(20);
      // Kill at a random point of the heartbeat cycle, as a real crash would be.
      await sleep(Math.random() * Number(cfg.env['PRESENCE_HEARTBEAT_MS'] ?? 4000));
      const killedAt = nowMs();
      stack.kill9(victim);
      const offDeadline = Date.now() + 120_000;
      while (names.some((n) => !heard.get(n)?.some((h) => !h.status)) && Date.now() < offDeadline)
        await sleep(20);
      const lat = names
        .map((n) => (heard.get(n)?.find((h) => !h.status)?.at ?? NaN) - killedAt)
        .filter((x) => !Number.isNaN(x));
      const t = {
        first: Math.min(...lat),
        median: median(lat),
        last: Math.max(...lat),
        p99: quantile(lat, 0.99),
        count: lat.length,
      };
      trials.push(t);
      log(
        `  ${cfg.label} trial ${trial + 1}: ${t.count}/${names.length} offline; first ${fmt(t.first)} ms, median ${fmt(t.median)} ms, last ${fmt(t.last)} ms`,
      );
      for (const s of sockets.splice(0)) s.close();
      await stack.startService('gateway');
    }
    return {
      label: cfg.label,
      env: cfg.env,
      clients: CRASH_CLIENTS,
      trials,
      medianOfMedians: median(trials.map((t) => t.median)),
      medianOfLast: median(trials.map((t) => t.last)),
      worstLast: Math.max(...trials.map((t) => t.last)),
    };
  } finally {
    for (const s of sockets) s.close();
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. transitions/s: a backlog of joins (then leaves) drained by 1 or 2 presence replicas
// ---------------------------------------------------------------------------------------------

async function throughputScenario(replicas: number): Promise<Record<string, unknown>> {
  const stack = new Stack({
    gateways: 0,
    writers: 0,
    adminApi: false,
    presences: 0,
    env: { LOG_LEVEL: 'warn', PRESENCE_GRACE_MS: '0', PRESENCE_BATCH_SIZE: '500' },
  });
  let redis: Redis | undefined;
  let sub: Redis | undefined;
  try {
    await stack.start();
    redis = createRedis(BASE_REDIS_URL);
    sub = redis.duplicate();
    const channels = Array.from({ length: 100 }, (_, i) => `room${i}`);
    let count = 0;
    let firstAt = 0;
    let lastAt = 0;
    sub.on('smessage', () => {
      count++;
      lastAt = nowMs();
      if (count === 1) firstAt = lastAt;
    });
    for (const ch of channels)
      await sub.ssubscribe(roomShardChannel(stack.redisPrefix, channelRoom(APP, ch)));
    const tracker = new RedisPresenceTracker(redis, redisKeys(stack.redisPrefix), { leaseMs: 600_000 });
    const conns: PresenceConnection[] = Array.from({ length: TRANSITIONS }, (_, i) => ({
      appID: APP,
      channelID: channels[i % channels.length],
      clientID: `c${i}`,
      connectionID: `k${i}`,
      gatewayID: 'gw-bench',
    }));
    // Replicas are started, then paused while the backlog is written, then resumed together, so
    // the drain rate is not mixed with process start-up or with the writing of the joins.
    const started: RunningService[] = [];
    for (let i = 0; i < replicas; i++) started.push(await stack.startService('presence'));
    for (const s of started) s.process.kill('SIGSTOP');
    const joinStart = nowMs();
    await pool(conns, 64, (c) => tracker.join(c));
    const joinMs = nowMs() - joinStart;
    const cpu0 = started.map((s) => cpuSeconds(s.process.pid));
    const t0 = nowMs();
    for (const s of started) s.process.kill('SIGCONT');
    const waitAll = async (target: number) => {
      const deadline = Date.now() + 300_000;
      while (count < target && Date.now() < deadline) await sleep(5);
    };
    await waitAll(TRANSITIONS);
    const onlineMs = lastAt - firstAt;
    const onlineFromStart = lastAt - t0;
    const onlineCpu = started.reduce((sum, s, i) => sum + cpuSeconds(s.process.pid) - cpu0[i], 0);
    const cpu1 = started.map((s) => cpuSeconds(s.process.pid));

    const leaveStart = nowMs();
    count = 0;
    await pool(conns, 64, (c) => tracker.leave(c));
    const leaveMs = nowMs() - leaveStart;
    await waitAll(TRANSITIONS);
    // Leaves are announced while they are still being written: rate over the whole span.
    const offlineMs = lastAt - leaveStart;
    const offlineCpu = started.reduce((sum, s, i) => sum + cpuSeconds(s.process.pid) - cpu1[i], 0);
    const r = {
      replicas,
      transitions: TRANSITIONS,
      channels: channels.length,
      joinsPerSec: TRANSITIONS / (joinMs / 1000),
      leavesPerSec: TRANSITIONS / (leaveMs / 1000),
      onlineBacklogPerSec: TRANSITIONS / (onlineMs / 1000),
      onlineBacklogMs: onlineMs,
      onlineFromResumeMs: onlineFromStart,
      offlineLivePerSec: TRANSITIONS / (offlineMs / 1000),
      onlinePerPresenceCpuSecond: TRANSITIONS / onlineCpu,
      offlinePerPresenceCpuSecond: TRANSITIONS / offlineCpu,
      loadAverage1m: loadavg()[0],
    };
    log(
      `  ${replicas} replica(s): backlog of ${fmt(TRANSITIONS)} online → ${fmt(r.onlineBacklogPerSec)}/s; ` +
        `live leaves → ${fmt(r.offlineLivePerSec)} offline/s (tracker joins ${fmt(r.joinsPerSec)}/s, leaves ${fmt(r.leavesPerSec)}/s); ` +
        `per presence CPU-second: ${fmt(r.onlinePerPresenceCpuSecond)} online, ${fmt(r.offlinePerPresenceCpuSecond)} offline; load ${fmt(r.loadAverage1m, 1)}`,
    );
    return r;
  } finally {
    sub?.disconnect();
    await redis?.quit();
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. scale: snapshot/count of a 10,000-member channel, heartbeat cost vs connections × channels
// ---------------------------------------------------------------------------------------------

async function timeIt(
  times: number,
  fn: () => Promise<unknown>,
): Promise<{ medianMs: number; p99Ms: number }> {
  const xs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = nowMs();
    await fn();
    xs.push(nowMs() - t);
  }
  return { medianMs: median(xs), p99Ms: quantile(xs, 0.99) };
}

async function scaleScenario(): Promise<Record<string, unknown>> {
  const stack = new Stack({
    gateways: 0,
    writers: 0,
    adminApi: false,
    presences: 1,
    env: { LOG_LEVEL: 'warn', PRESENCE_GRACE_MS: '0' },
  });
  let redis: Redis | undefined;
  try {
    await stack.start();
    redis = createRedis(BASE_REDIS_URL);
    const keys = redisKeys(stack.redisPrefix);
    const tracker = new RedisPresenceTracker(redis, keys, { leaseMs: 600_000 });
    const members: PresenceConnection[] = Array.from({ length: MEMBERS }, (_, i) => ({
      appID: APP,
      channelID: 'big',
      clientID: `member-${String(i).padStart(5, '0')}`,
      connectionID: `m${i}`,
      gatewayID: 'gw-big',
    }));
    await pool(members, 64, (c) => tracker.join(c));
    const deadline = Date.now() + 120_000;
    while ((await tracker.onlineCount(APP, 'big')) < MEMBERS && Date.now() < deadline) await sleep(50);
    const snap = await tracker.snapshot(APP, 'big');
    const initialBytes = Buffer.byteLength(JSON.stringify({ channelID: 'big', clientStatus: snap }));
    const snapshot = await timeIt(quick ? 10 : 30, () => tracker.snapshot(APP, 'big'));
    const firstPage = await timeIt(quick ? 20 : 100, () => tracker.snapshotPage(APP, 'big', null, 1_000));
    const count = await timeIt(quick ? 100 : 1_000, () => tracker.onlineCount(APP, 'big'));
    // Store footprint of the channel: facts (cn, cl, cc), announced state (on) and the lease's entry set.
    const footprint: Record<string, number> = {};
    for (const [name, key] of [
      ['connLeases', keys.presenceConnLeases(APP, 'big')],
      ['connClients', keys.presenceConnClients(APP, 'big')],
      ['clientConns', keys.presenceClientConns(APP, 'big')],
      ['online', keys.presenceOnline(APP, 'big')],
    ] as const) {
      footprint[name] = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    }
    const storeBytesPerMember = Object.values(footprint).reduce((a, b) => a + b, 0) / MEMBERS;

    // Heartbeat cost: a gateway with 10 connections in 1 channel vs 2,000 connections × 25 channels.
    const small = new RedisPresenceTracker(redis, keys, { leaseMs: 600_000 });
    await small.join({
      appID: APP,
      channelID: 'hb-small',
      clientID: 'x',
      connectionID: 'x0',
      gatewayID: 'gw-small',
    });
    const large = new RedisPresenceTracker(redis, keys, { leaseMs: 600_000 });
    const largeConns: PresenceConnection[] = [];
    for (let c = 0; c < (quick ? 400 : 2_000); c++) {
      for (let ch = 0; ch < 25; ch++) {
        largeConns.push({
          appID: APP,
          channelID: `hb${ch}`,
          clientID: `u${c}`,
          connectionID: `u${c}`,
          gatewayID: 'gw-large',
        });
      }
    }
    await pool(largeConns, 64, (c) => large.join(c));
    const hbSmall = await timeIt(quick ? 200 : 2_000, () => small.heartbeat('gw-small'));
    const hbLarge = await timeIt(quick ? 200 : 2_000, () => large.heartbeat('gw-large'));

    const r = {
      members: MEMBERS,
      initialOnlineStatusBytes: initialBytes,
      bytesPerMember: initialBytes / MEMBERS,
      snapshotFull: snapshot,
      snapshotPage1000: firstPage,
      onlineCount: count,
      heartbeat: {
        gateway1ConnectionIn1Channel: hbSmall,
        [`gateway${largeConns.length}EntriesIn25Channels`]: hbLarge,
      },
      channelKeyBytes: footprint,
      storeBytesPerMember,
    };
    log(
      `  ${fmt(MEMBERS)} members: full snapshot ${fmt(snapshot.medianMs, 1)} ms median (${fmt(initialBytes)} bytes as initial_online_status), ` +
        `one 1,000-page ${fmt(firstPage.medianMs, 2)} ms, count ${fmt(count.medianMs, 3)} ms, ` +
        `${fmt(storeBytesPerMember)} Redis bytes per member`,
    );
    log(
      `  heartbeat: ${fmt(hbSmall.medianMs, 3)} ms (1 connection) vs ${fmt(hbLarge.medianMs, 3)} ms (${fmt(largeConns.length)} connection×channel entries)`,
    );
    return r;
  } finally {
    await redis?.quit();
    await stack.stop();
  }
}

async function main(): Promise<void> {
  if (parts.has('crash')) {
    log('kill -9 of a gateway → offline announcements');
    results['crash'] = [
      await crashScenario({
        label: 'defaults (lease 12 s, heartbeat 4 s, grace 15 s)',
        env: {},
        trials: quick ? 1 : 3,
      }),
      await crashScenario({
        label: 'short (lease 2 s, heartbeat 500 ms, grace 2 s)',
        env: {
          PRESENCE_LEASE_MS: '2000',
          PRESENCE_HEARTBEAT_MS: '500',
          PRESENCE_GRACE_MS: '2000',
          PRESENCE_REAP_INTERVAL_MS: '200',
        },
        trials: quick ? 2 : 5,
      }),
    ];
  }
  if (parts.has('throughput')) {
    log('transitions/s');
    results['throughput'] = [await throughputScenario(1), await throughputScenario(2)];
  }
  if (parts.has('scale')) {
    log('scale');
    results['scale'] = await scaleScenario();
  }
  const json = args.get('json');
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
