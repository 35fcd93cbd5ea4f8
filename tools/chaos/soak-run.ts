import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@channels/testing';
import { io, type Socket } from 'socket.io-client';
import { PublisherPool } from './clients';
import { rssMiB, type Rig, sleep, startRig, v1ok } from './harness';
import { Inspector, inspectorUrl, type MemoryUsage } from './inspector';
import { emptyDeliveryCounts, growthVerdict } from './ledger';

export interface SoakOptions {
  runTag: string;
  minutes: number;
  warmupMinutes: number;
  connections: number;
  channels: number;
  rate: number;
  sampleSeconds: number;
  /** Connections closed and reopened at each sample (steady churn, as real clients do). */
  churnPerSample: number;
  /** Services (id prefixes, e.g. `presence`) whose heap snapshot is written at warm-up end and at the end. */
  heapSnapshots: string[];
}

export interface SoakSeries {
  process: string;
  /**
   * `rss`: resident set size; `heap`: the V8 heap still in use after a full collection (live
   * objects, not garbage awaiting collection); `external`: memory outside the V8 heap that V8
   * accounts for (Buffers, ArrayBuffers), also after the collection.
   */
  metric: Metric;
  /** [minutes since start, MiB] */
  samples: [number, number][];
  slopeMiBPerMin: number;
  growthMiB: number;
  allowanceMiB: number;
  meanMiB: number;
  pass: boolean;
  /** Why the series is not judged (its process was made to take heap snapshots). */
  notJudged?: string;
}

export interface SoakReport {
  kind: 'soak';
  options: SoakOptions;
  startedAt: string;
  seconds: number;
  connected: number;
  delivered: number;
  acked: number;
  publishErrors: Record<string, number>;
  series: SoakSeries[];
  heapSnapshots: string[];
  /**
   * `process.memoryUsage()` after each collection: [minutes since start, bytes], and how long the
   * collection and the read took (ms).
   */
  memory: Record<string, [number, MemoryUsage & { gcMs: number }][]>;
  violations: string[];
}

type Metric = 'rss' | 'heap' | 'external';

const APP = 'soak';

const MiB = 2 ** 20;

/**
 * The services' inspector sessions (each service runs with `--inspect=127.0.0.1:0`; its address is
 * in its log). Reading `heapUsed` as it comes follows the collector's sawtooth — in a quiet process
 * old-generation garbage piles up for many minutes before a full collection — so every sample is
 * taken right after a full collection.
 */
class Inspectors {
  private readonly sessions = new Map<number, Inspector>();

  async memory(pid: number, logFile: string): Promise<MemoryUsage | null> {
    let s = this.sessions.get(pid);
    if (!s?.open) {
      const url = inspectorUrl(logFile);
      if (!url) return null;
      try {
        s = await Inspector.connect(url);
      } catch {
        return null;
      }
      this.sessions.set(pid, s);
    }
    try {
      return await s.memoryAfterGc();
    } catch {
      s.close();
      this.sessions.delete(pid);
      return null;
    }
  }

  async snapshot(pid: number, file: string): Promise<void> {
    const s = this.sessions.get(pid);
    if (!s?.open) throw new Error(`no inspector session with process ${pid}`);
    await s.heapSnapshot(file);
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const t0 = Date.now();
  const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
  log('starting the rig: own redis-server, database, 2 gateways + front door, admin-api, writer, 2 presence');
  // Redis holds bounded data that fills up at first: each channel's hot window (100 events here, so
  // 1 publish/s per channel fills it within the warm-up). Publishes carry no idempotency key, so
  // none accumulate for IDEMPOTENCY_TTL_SECONDS. After the warm-up, Redis should stay flat too.
  const rig: Rig = await startRig({
    runTag: o.runTag,
    env: { HOT_WINDOW_SIZE: '100', NODE_OPTIONS: '--inspect=127.0.0.1:0' },
  });
  await v1ok(rig, 'POST', '/apps', { appID: APP, name: 'soak' });
  const channels = Array.from({ length: o.channels }, (_v, i) => `s-${i}`);
  for (const [i, channelID] of channels.entries())
    await v1ok(rig, 'POST', `/apps/${APP}/channels`, { channelID, persistent: true, presence: i % 10 === 0 });
  const clientCount = Math.ceil(o.connections / 6);
  for (let i = 0; i < clientCount; i++)
    await v1ok(rig, 'POST', `/apps/${APP}/clients`, { clientID: `c-${i}` });
  for (let i = 0; i < 4; i++) await v1ok(rig, 'POST', `/apps/${APP}/clients`, { clientID: `p-${i}` });

  // --- connections: spread over the gateways, each subscribed to one channel -----------------------
  const gateways = rig.gateways();
  let delivered = 0;
  const sockets: (Socket | null)[] = new Array<Socket | null>(o.connections).fill(null);
  const open = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const s = io(gateways[i % gateways.length].url, {
        auth: { token: rig.stack.clientToken(APP, `c-${i % clientCount}`), appID: APP },
        transports: ['websocket'],
        forceNew: true,
        reconnection: true,
        reconnectionDelay: 500,
        reconnectionDelayMax: 5_000,
      });
      sockets[i] = s;
      const t = setTimeout(resolve, 20_000);
      s.on('event', () => delivered++);
      s.on('ready', () => {
        s.emit('subscribe', { channels: [channels[i % channels.length]] }, () => {
          clearTimeout(t);
          resolve();
        });
      });
    });
  log(`opening ${o.connections} connections over ${gateways.length} gateways`);
  for (let i = 0; i < o.connections; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, o.connections - i) }, (_v, j) => open(i + j)));
  const connected = sockets.filter((s) => s?.connected).length;
  log(`${connected} connected`);

  const counts = emptyDeliveryCounts();
  const publishers = new PublisherPool(
    { appID: APP, phase: () => 'soak', counts: () => counts, log },
    rig.frontDoorUrl,
    Array.from({ length: 4 }, (_v, i) => rig.stack.clientToken(APP, `p-${i}`)),
    channels.map((channelID) => ({ channelID, mode: 'queued' as const })),
    o.runTag,
    5_000,
    3_000,
    false,
  );
  await publishers.start();
  publishers.run(o.rate);

  // --- sampling ----------------------------------------------------------------------------------
  const procs = () => [
    ...rig.stack.services
      .filter((s) => s.process.exitCode === null)
      .map((s) => ({ name: s.id, pid: s.process.pid, logFile: s.logFile as string | null })),
    { name: 'front-door', pid: rig.frontDoor.pid, logFile: null },
    { name: 'redis-server', pid: rig.redis.pid, logFile: null },
  ];
  const inspectors = new Inspectors();
  const snapshotDir = join(REPO_ROOT, 'tmp', 'chaos', `soak-${o.runTag}`);
  const heapSnapshots: string[] = [];
  const snapshots = async (label: string) => {
    mkdirSync(snapshotDir, { recursive: true });
    for (const p of procs()) {
      if (!p.pid || !p.logFile || !o.heapSnapshots.some((prefix) => p.name.startsWith(prefix))) continue;
      const file = join(snapshotDir, `${p.name}-${label}.heapsnapshot`);
      await inspectors.snapshot(p.pid, file);
      heapSnapshots.push(file);
      log(`heap snapshot of ${p.name}: ${file}`);
    }
  };
  const series = new Map<string, { process: string; metric: Metric; samples: [number, number][] }>();
  /** Every `process.memoryUsage()` read, by process (in the report, for a closer look). */
  const memory: SoakReport['memory'] = {};
  const add = (process: string, metric: Metric, x: number, y: number) => {
    if (!Number.isFinite(y)) return;
    const k = `${process}/${metric}`;
    const s = series.get(k) ?? { process, metric, samples: [] };
    series.set(k, s);
    s.samples.push([x, y]);
  };
  const start = Date.now();
  const end = start + o.minutes * 60_000;
  let churn = 0;
  let warmSnapshots = o.heapSnapshots.length === 0;
  while (Date.now() < end) {
    const x = (Date.now() - start) / 60_000;
    for (const p of procs()) {
      const gcStart = Date.now();
      const m = p.pid && p.logFile ? await inspectors.memory(p.pid, p.logFile) : null;
      const gcMs = Date.now() - gcStart;
      if (m) {
        add(p.name, 'rss', x, m.rss / MiB);
        add(p.name, 'heap', x, m.heapUsed / MiB);
        add(p.name, 'external', x, m.external / MiB);
        (memory[p.name] ??= []).push([Number(x.toFixed(3)), { ...m, gcMs }]);
      } else {
        add(
          p.name,
          'rss',
          x,
          rssMiB(p.pid, (f) => readFileSync(f, 'utf8')),
        );
      }
    }
    if (!warmSnapshots && x >= o.warmupMinutes) {
      warmSnapshots = true;
      await snapshots('warm');
    }
    const gw = [...series.values()].filter((s) => s.process.startsWith('gateway') && s.metric === 'rss');
    log(
      `t=${x.toFixed(1)} min: ${sockets.filter((s) => s?.connected).length} connected, delivered ${delivered}, acked ${publishers.acked.size}; gateway RSS ${gw.map((s) => s.samples[s.samples.length - 1][1].toFixed(0)).join('/')} MiB`,
    );
    for (let k = 0; k < o.churnPerSample; k++) {
      const i = churn++ % o.connections;
      sockets[i]?.close();
      void open(i);
    }
    await sleep(Math.min(o.sampleSeconds * 1000, Math.max(0, end - Date.now())));
  }
  if (o.heapSnapshots.length) await snapshots('end');
  await publishers.stop(10_000);
  publishers.close();
  for (const s of sockets) s?.close();
  inspectors.close();

  const out: SoakSeries[] = [];
  const warm = o.warmupMinutes;
  for (const s of series.values()) {
    const pts = s.samples.filter(([x]) => x >= warm).map(([x, y]) => ({ x, y }));
    const v = growthVerdict(pts);
    // Taking a heap snapshot makes a process' resident memory jump by several times its heap.
    const snapshotted = s.metric === 'rss' && heapSnapshots.some((f) => f.includes(`/${s.process}-`));
    out.push({
      ...s,
      slopeMiBPerMin: v.slope,
      growthMiB: v.growth,
      allowanceMiB: v.allowance,
      meanMiB: v.mean,
      pass: v.pass,
      ...(snapshotted ? { notJudged: 'heap snapshots taken' } : {}),
    });
  }
  const violations = out
    .filter((s) => !s.pass && !s.notJudged)
    .map(
      (s) =>
        `${s.process} ${s.metric}: grew ${s.growthMiB.toFixed(1)} MiB after warm-up (${s.slopeMiBPerMin.toFixed(2)} MiB/min), beyond the noise allowance ${s.allowanceMiB.toFixed(1)} MiB`,
    );
  for (const svc of rig.stack.services)
    if (!out.some((s) => s.process === svc.id && s.metric === 'heap'))
      violations.push(`${svc.id}: no heap sample (its inspector could not be reached)`);
  for (const c of rig.crashes) violations.push(`${c.service} exited by itself (${c.exit}) — ${c.error}`);
  if (connected < o.connections * 0.99)
    violations.push(`only ${connected} of ${o.connections} connections opened`);
  return {
    kind: 'soak',
    options: o,
    startedAt: new Date(t0).toISOString(),
    seconds: (Date.now() - t0) / 1000,
    connected,
    delivered,
    acked: publishers.acked.size,
    publishErrors: Object.fromEntries(publishers.errors),
    series: out,
    heapSnapshots,
    memory,
    violations,
  };
}
