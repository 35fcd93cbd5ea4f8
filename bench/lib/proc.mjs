// Process helpers: spawning servers and load workers pinned to cores, reading their CPU time and
// memory from /proc, and making sure every process the runner started is gone when it exits.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createServer } from 'node:net';

const children = new Set();

function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const TASKSET = hasTaskset();
export const CPU_COUNT = cpus().length;

/**
 * Core layout: servers on core 0, load generators on the last core, when there are at least two.
 * `BENCH_PIN=0` turns pinning off.
 */
export const PIN = TASKSET && CPU_COUNT >= 2 && process.env.BENCH_PIN !== '0';
export const SERVER_CPUS = process.env.BENCH_SERVER_CPUS ?? '0';
export const LOAD_CPUS = process.env.BENCH_LOAD_CPUS ?? String(CPU_COUNT - 1);

/**
 * Spawns `node <args>` (optionally pinned with taskset to `cpus`) and tracks it for cleanup.
 * `ipc: true` opens the Node IPC channel (process.send in the child).
 */
export function spawnNode(
  args,
  { cpus: pin, env = {}, ipc = false, logFile, nodeArgs = [], group = false } = {},
) {
  const argv = [...nodeArgs, ...args];
  const [cmd, cmdArgs] =
    PIN && pin !== undefined ? ['taskset', ['-c', pin, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(cmd, cmdArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
    // group: the child leads its own process group, so it and whatever it starts can be ended together.
    detached: group,
  });
  if (group) {
    const kill = child.kill.bind(child);
    child.kill = (signal = 'SIGTERM') => {
      try {
        process.kill(-child.pid, signal);
        return true;
      } catch {
        return kill(signal);
      }
    };
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.output = '';
  const keep = (d) => {
    child.output += d.toString();
    if (child.output.length > 200_000) child.output = child.output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (logFile) {
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  }
  return child;
}

/** Waits for a child to exit (resolves with its code), killing it after `timeoutMs`. */
export function waitExit(child, timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 5_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await waitExit(child, graceMs);
}

/** Kills every process this runner started (used on exit and on Ctrl-C). */
export function killAll(signal = 'SIGKILL') {
  for (const c of children) {
    try {
      c.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * CPU time (ns) the process has used so far: the sum over its threads of /proc/<pid>/task/<tid>/schedstat
 * (nanosecond resolution, GC and libuv threads included). Falls back to utime+stime ticks.
 */
export function cpuNs(pid) {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread exited meanwhile
      }
    }
    if (total > 0) return total;
  } catch {
    // fall through
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1e7; // utime + stime in 10 ms ticks
}

/** Resident set size of a process in bytes. */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds used by a set of processes between two samples. */
export function cpuSampler(pids) {
  const read = () => pids.map((p) => ({ pid: p, ns: safeCpu(p) }));
  return { start: read(), read };
}
function safeCpu(pid) {
  try {
    return cpuNs(pid);
  } catch {
    return NaN;
  }
}

export function cpuDeltaSeconds(before, after) {
  let s = 0;
  for (let i = 0; i < before.length; i++) s += (after[i].ns - before[i].ns) / 1e9;
  return s;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 2xx (or the child exits / the timeout passes). */
export async function waitHttpOk(url, { child, timeoutMs = 30_000, what = url } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before ready:\n${tail(child.output)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = String(e.cause?.code ?? e.message ?? e);
    }
    await sleep(100);
  }
  throw new Error(
    `${what} not ready after ${timeoutMs} ms: ${last}${child ? `\n${tail(child.output)}` : ''}`,
  );
}

/** Reads the probe file a server wrote (see probe.cjs). */
export function readProbe(dir, pid) {
  const f = `${dir}/${pid}.json`;
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Fresh probe snapshots of `pids` (the probe writes on SIGUSR2; `gc` asks it for a full GC first).
 * Processes without a probe file are never signalled (SIGUSR2 would end them) and yield null.
 */
export async function snapshotProbes(dir, pids, { gc = false } = {}) {
  const asked = Date.now();
  for (const pid of pids) {
    if (!readProbe(dir, pid)) continue;
    if (gc) writeFileSync(`${dir}/${pid}.gc`, '');
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {
      // exited
    }
  }
  const deadline = Date.now() + 2_000;
  for (;;) {
    const snaps = pids.map((pid) => readProbe(dir, pid));
    if (snaps.every((s) => !s || s.at >= asked) || Date.now() > deadline) return snaps;
    await sleep(10);
  }
}

export function tail(s = '', n = 30) {
  return s.split('\n').slice(-n).join('\n');
}
