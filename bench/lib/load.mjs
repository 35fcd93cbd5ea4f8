// Load worker handles (subscribers / publishers processes, pinned to the load core) and the one
// measurement routine every throughput and latency scenario uses.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Histogram, latencySummaryMs } from './stats.mjs';
import { LOAD_CPUS, cpuNs, sleep, snapshotProbes, spawnNode, stopChild } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** A worker process spoken to over IPC: `call(msg, type)` sends and awaits the next reply of `type`. */
class Worker {
  constructor(script, label) {
    this.label = label;
    this.child = spawnNode([join(here, '..', 'load', script)], { cpus: LOAD_CPUS, ipc: true });
    this.waiters = [];
    this.child.on('message', (m) => {
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
    this.child.once('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) {
        w.reject(
          new Error(
            `${label} exited (${code ?? signal}) waiting for ${w.type}\n${this.child.output.slice(-2000)}`,
          ),
        );
      }
    });
    this.ready = this.next('hello', 10_000);
  }

  get pid() {
    return this.child.pid;
  }

  next(type, timeoutMs = 120_000) {
    return new Promise((resolve, reject) => {
      const w = { type, resolve, reject };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.label}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      w.resolve = (m) => {
        clearTimeout(t);
        resolve(m);
      };
      w.reject = (e) => {
        clearTimeout(t);
        reject(e);
      };
      this.waiters.push(w);
    });
  }

  async call(msg, type, timeoutMs) {
    await this.ready;
    const reply = this.next(type, timeoutMs);
    this.child.send(msg);
    return reply;
  }

  async close() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      this.child.send({ cmd: 'close' });
    } catch {
      // channel already closed
    }
    await stopChild(this.child, 3_000);
  }
}

/** Spawns a subscriber worker and connects `spec` (see load/subscribers.mjs). */
export async function startSubscribers(spec, label = 'subscribers') {
  const w = new Worker('subscribers.mjs', label);
  const r = await w.call({ cmd: 'connect', spec }, 'connected', 300_000);
  w.connected = r;
  if (r.failed) {
    await w.close();
    throw new Error(
      `${label}: ${r.failed} of ${r.ok + r.failed} connections failed (first: ${r.firstError})`,
    );
  }
  return w;
}

/** Spawns a publisher worker and connects `spec` (see load/publishers.mjs). */
export async function startPublishers(spec, label = 'publishers') {
  const w = new Worker('publishers.mjs', label);
  const r = await w.call({ cmd: 'connect', spec }, 'connected', 60_000);
  if (r.failed) {
    await w.close();
    throw new Error(`${label}: ${r.failed} publisher connections failed (first: ${r.firstError})`);
  }
  return w;
}

const markAll = (subs, reset) => Promise.all(subs.map((s) => s.call({ cmd: 'mark', reset }, 'mark')));

/**
 * One measured run. Publishers run for warmupMs + measureMs; the window [warmup, warmup+measure]
 * gives rates, latency and server CPU; after the publishers stop and deliveries drain, loss is
 * expected (acked publishes × subscribers of the channel) minus received.
 *
 * opts: {target, subs: Worker[], pubs: Worker, plan, warmupMs, measureMs, subscribersOf(channelID)}
 */
export async function measureRun({ target, subs, pubs, plan, warmupMs, measureMs, subscribersOf }) {
  const serverPids = target.serverPids;
  const allPids = [...serverPids, ...target.auxPids];
  const loadPids = [...subs.map((s) => s.pid), pubs.pid];
  const before = await markAll(subs, true);
  const startTotal = before.reduce((n, m) => n + m.total, 0);

  const done = pubs.call(
    { cmd: 'run', plan: { ...plan, durationMs: warmupMs + measureMs } },
    'done',
    warmupMs + measureMs + 60_000,
  );
  await sleep(warmupMs);

  await markAll(subs, true);
  const p0 = await pubs.call({ cmd: 'mark' }, 'mark');
  const t0 = process.hrtime.bigint();
  const cpu0 = allPids.map((p) => cpuNs(p));
  const load0 = loadPids.map((p) => cpuNs(p));
  const probe0 = await snapshotProbes(target.probeDir, serverPids);

  await sleep(measureMs);

  const m1 = await markAll(subs, false);
  const p1 = await pubs.call({ cmd: 'mark' }, 'mark');
  const t1 = process.hrtime.bigint();
  const cpu1 = allPids.map((p) => cpuNs(p));
  const load1 = loadPids.map((p) => cpuNs(p));
  const probe1 = await snapshotProbes(target.probeDir, serverPids);

  const result = await done;
  // Drain: wait until every expected delivery arrived or nothing moved for 1 s (≤ 15 s).
  let expected = 0;
  for (const [channelID, n] of Object.entries(result.perChannel)) expected += n * subscribersOf(channelID);
  let received = 0;
  let lastMarks = [];
  let lastChange = Date.now();
  const drainDeadline = Date.now() + 15_000;
  for (;;) {
    const ms = await markAll(subs, false);
    lastMarks = ms;
    const now = ms.reduce((n, m) => n + m.total, 0) - startTotal;
    if (now !== received) lastChange = Date.now();
    received = now;
    if (received >= expected || Date.now() - lastChange > 1_000 || Date.now() > drainDeadline) break;
    await sleep(100);
  }

  const windowSec = Number(t1 - t0) / 1e9;
  const deliveries = m1.reduce((n, m) => n + m.window, 0);
  const hist = new Histogram();
  for (const m of m1) hist.merge(Histogram.fromJSON(m.hist));
  const serverCpuSec = serverPids.reduce((s, _p, i) => s + (cpu1[i] - cpu0[i]) / 1e9, 0);
  const auxCpuSec = target.auxPids.reduce(
    (s, _p, i) => s + (cpu1[serverPids.length + i] - cpu0[serverPids.length + i]) / 1e9,
    0,
  );
  const loadCpuSec = loadPids.reduce((s, _p, i) => s + (load1[i] - load0[i]) / 1e9, 0);
  const redisPerNode = serverPids.map((_p, i) =>
    probe0[i] && probe1[i] ? probe1[i].redisMessages - probe0[i].redisMessages : NaN,
  );
  const publishes = p1.acked - p0.acked;
  return {
    windowSec,
    publishesPerSec: publishes / windowSec,
    publishesInWindow: publishes,
    deliveriesPerSec: deliveries / windowSec,
    deliveriesInWindow: deliveries,
    expected,
    received,
    lost: Math.max(0, expected - received),
    lossRatio: expected ? Math.max(0, expected - received) / expected : 0,
    extra: Math.max(0, received - expected),
    publishFailures: result.failed,
    firstError: result.firstError,
    latency: latencySummaryMs(hist),
    ackLatency: latencySummaryMs(Histogram.fromJSON(result.ackHist)),
    serverCpuSec,
    serverBusy: serverCpuSec / windowSec,
    auxCpuSec,
    loadCpuSec,
    loadBusy: loadCpuSec / windowSec,
    cpuUsPerDelivery: deliveries ? (serverCpuSec * 1e6) / deliveries : NaN,
    totalCpuUsPerDelivery: deliveries ? ((serverCpuSec + auxCpuSec) * 1e6) / deliveries : NaN,
    deliveriesPerServerCpuSec: serverCpuSec ? deliveries / serverCpuSec : NaN,
    redisMessagesPerNode: redisPerNode,
    perWorker: subs.map((w, i) => ({
      label: w.label,
      deliveriesInWindow: m1[i].window,
      received: lastMarks[i].total - before[i].total,
      badFrames: lastMarks[i].badFrames,
      latency: latencySummaryMs(Histogram.fromJSON(m1[i].hist)),
    })),
    disconnects: m1.reduce((n, m) => n + m.disconnects, 0),
    // Frames the subscribers rejected so far (a running count), drain included.
    badFrames: lastMarks.reduce((n, m) => n + m.badFrames, 0),
    // Frames decoded in full during this run (the `/optimized` sample check), drain included.
    verified: lastMarks.reduce((n, m, i) => n + (m.verified ?? 0) - (before[i].verified ?? 0), 0),
  };
}

/**
 * Subscriber + publisher workers for one target. `groups`: [{node, channels, count}] (node = index
 * into target.urls); `publishers`: [{node, channels}].
 */
export async function startRig(target, { groups, publishers, prime }) {
  const common = {
    protocol: target.protocol,
    waitFor: target.waitFor,
    appID: target.appID,
    jwtSecret: target.jwtSecret,
    storedChannels: target.storedChannels === true,
  };
  const subs = await startSubscribers(
    {
      ...common,
      clientPrefix: 's',
      groups: groups.map((g) => ({ url: target.urls[g.node], channels: g.channels, count: g.count })),
    },
    `${target.name} subscribers`,
  );
  let pubs;
  try {
    pubs = await startPublishers(
      {
        ...common,
        protocol: target.publishProtocol ?? target.protocol,
        clientPrefix: 'p',
        publishers: publishers.map((p) => ({ url: target.urls[p.node], channels: p.channels })),
      },
      `${target.name} publishers`,
    );
  } catch (e) {
    await subs.close();
    throw e;
  }
  if (prime) {
    // Unmeasured traffic first, so one-time work (caches, scripts, JIT) is not charged to run 1.
    await pubs.call(
      { cmd: 'run', plan: { mode: 'rate', payloadBytes: 64, ...prime } },
      'done',
      prime.durationMs + 60_000,
    );
    await sleep(300);
  }
  return {
    subs: [subs],
    pubs,
    close: () => Promise.all([subs.close(), pubs.close()]),
  };
}

/** Client ids a rig uses (Channels needs them to exist): s0…s<subs-1>, p0…p<pubs-1>. */
export const rigClientIDs = (subs, pubs) => [
  ...Array.from({ length: subs }, (_v, i) => `s${i}`),
  ...Array.from({ length: pubs }, (_v, i) => `p${i}`),
];
