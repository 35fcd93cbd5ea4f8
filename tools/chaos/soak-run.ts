import { readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { PublisherPool } from './clients';
import { rssMiB, type Rig, sleep, startRig, v1ok } from './harness';
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
}

export interface SoakSeries {
  process: string;
  metric: 'rss' | 'heap';
  /** [minutes since start, MiB] */
  samples: [number, number][];
  slopeMiBPerMin: number;
  growthMiB: number;
  allowanceMiB: number;
  meanMiB: number;
  pass: boolean;
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
  violations: string[];
}

const APP = 'soak';

/** `/metrics` gauge value in MiB (prom-client's default Node metrics), NaN when unreadable. */
async function heapUsedMiB(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3_000) });
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)$/m.exec(await res.text());
    return m ? Number(m[1]) / 2 ** 20 : NaN;
  } catch {
    return NaN;
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const t0 = Date.now();
  const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
  log('starting the rig: own redis-server, database, 2 gateways + front door, admin-api, writer, 2 presence');
  // Redis holds bounded data that fills up at first: each channel's hot window (100 events here, so
  // 1 publish/s per channel fills it within the warm-up). Publishes carry no idempotency key, so
  // none accumulate for IDEMPOTENCY_TTL_SECONDS. After the warm-up, Redis should stay flat too.
  const rig: Rig = await startRig({ runTag: o.runTag, env: { HOT_WINDOW_SIZE: '100' } });
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
      .map((s) => ({ name: s.id, pid: s.process.pid, url: s.url })),
    { name: 'front-door', pid: rig.frontDoor.pid, url: null as string | null },
    { name: 'redis-server', pid: rig.redis.pid, url: null as string | null },
  ];
  const series = new Map<string, { process: string; metric: 'rss' | 'heap'; samples: [number, number][] }>();
  const add = (process: string, metric: 'rss' | 'heap', x: number, y: number) => {
    if (!Number.isFinite(y)) return;
    const k = `${process}/${metric}`;
    const s = series.get(k) ?? { process, metric, samples: [] };
    series.set(k, s);
    s.samples.push([x, y]);
  };
  const start = Date.now();
  const end = start + o.minutes * 60_000;
  let churn = 0;
  while (Date.now() < end) {
    const x = (Date.now() - start) / 60_000;
    for (const p of procs()) {
      add(
        p.name,
        'rss',
        x,
        rssMiB(p.pid, (f) => readFileSync(f, 'utf8')),
      );
      if (p.url) add(p.name, 'heap', x, await heapUsedMiB(p.url));
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
  await publishers.stop(10_000);
  publishers.close();
  for (const s of sockets) s?.close();

  const out: SoakSeries[] = [];
  const warm = o.warmupMinutes;
  for (const s of series.values()) {
    const pts = s.samples.filter(([x]) => x >= warm).map(([x, y]) => ({ x, y }));
    const v = growthVerdict(pts);
    out.push({
      ...s,
      slopeMiBPerMin: v.slope,
      growthMiB: v.growth,
      allowanceMiB: v.allowance,
      meanMiB: v.mean,
      pass: v.pass,
    });
  }
  const violations = out
    .filter((s) => !s.pass)
    .map(
      (s) =>
        `${s.process} ${s.metric}: grew ${s.growthMiB.toFixed(1)} MiB after warm-up (${s.slopeMiBPerMin.toFixed(2)} MiB/min), beyond the noise allowance ${s.allowanceMiB.toFixed(1)} MiB`,
    );
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
    violations,
  };
}
