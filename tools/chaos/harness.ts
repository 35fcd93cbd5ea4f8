import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_PG_URL, freePort, REPO_ROOT, type RunningService, Stack, TcpProxy } from '@channels/testing';
import { OwnRedis } from './own-redis';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cleanups still to run when the run ends, fails or is interrupted (Ctrl-C). */
const cleanups: (() => Promise<void>)[] = [];
/** Synchronous kills for `process.on('exit')`, when there is no time left for the rest. */
const lastResorts: (() => void)[] = [];

export function onCleanup(fn: () => Promise<void>, lastResort?: () => void): void {
  cleanups.unshift(fn);
  if (lastResort) lastResorts.push(lastResort);
}

let cleaning: Promise<void> | null = null;
/** Set once cleanup began: nothing may be started any more (a fault's restart would outlive it). */
export const stopping = (): boolean => cleaning !== null;
/** Runs every cleanup once, newest first, each bounded in time. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups) {
      await Promise.race([fn().catch((e: Error) => console.error(`cleanup: ${e.message}`)), sleep(20_000)]);
    }
  })();
  return cleaning;
}

export function installSignalHandlers(): void {
  let bailed = false;
  const bail = (signal: string) => {
    if (bailed) return;
    bailed = true;
    console.error(`\n${signal}: stopping every process this run started and removing its database…`);
    void cleanupAll().then(() => process.exit(130));
  };
  process.on('SIGINT', () => bail('SIGINT'));
  process.on('SIGTERM', () => bail('SIGTERM'));
  process.on('exit', () => {
    for (const fn of lastResorts) fn();
  });
}

export interface Rig {
  redis: OwnRedis;
  stack: Stack;
  proxy: TcpProxy;
  frontDoor: ChildProcess;
  frontDoorUrl: string;
  logDir: string;
  /** `kill -9` as a fault: the watchdog leaves it to the fault to restart the service. */
  kill9(svc: RunningService): void;
  /** Restarts a killed service in place (same port and id). */
  restart(svc: RunningService): Promise<RunningService>;
  /** The live instances by role (refreshed after restarts). */
  gateways(): RunningService[];
  presences(): RunningService[];
  writer(): RunningService;
  /**
   * Services that exited by themselves (not killed by the run): each is restarted in place at
   * once, as an orchestrator would, and listed here with the end of its log.
   */
  crashes: Crash[];
  /** Called on each crash (the chaos run notes the phase in force). */
  onCrash: (c: Crash) => void;
  adminUrl: string;
}

export interface Crash {
  service: string;
  exit: string;
  at: number;
  phase?: string;
  /** The first error line of the end of its log. */
  error: string;
}

/**
 * Brings up the system the way production runs it, all of it this run's own: a `redis-server` on a
 * spare port, a fresh migrated database, 2 gateways behind the front door, admin-api, the writer
 * (reaching PostgreSQL through a TCP proxy the run can cut) and 2 presence replicas. Everything is
 * registered for cleanup.
 */
export async function startRig(o: {
  runTag: string;
  gateways?: number;
  presences?: number;
  env?: Record<string, string>;
}): Promise<Rig> {
  const redisPort = Number(process.env['CHAOS_REDIS_PORT'] ?? 0) || (await freePort());
  const redisUrl = `redis://127.0.0.1:${redisPort}/0`;
  const stack = new Stack({
    gateways: o.gateways ?? 2,
    writers: 0,
    presences: o.presences ?? 2,
    env: {
      REDIS_URL: redisUrl,
      LOG_LEVEL: process.env['CHAOS_LOG_LEVEL'] ?? 'warn',
      NODE_ENV: 'production',
      DRAIN_WINDOW_MS: '0',
      ...(o.env ?? {}),
    },
  });
  // One folder for every log of the run (the services', Redis', the front door's); it is kept.
  const logDir = stack.logDir;
  mkdirSync(logDir, { recursive: true });
  const redis = new OwnRedis(
    redisPort,
    join(REPO_ROOT, 'tmp', 'chaos', `redis-${o.runTag}`),
    join(logDir, 'redis.log'),
  );
  onCleanup(
    () => redis.stop(),
    () => redis.killNow(),
  );
  await redis.start();
  onCleanup(
    () => stack.stop(),
    () => {
      for (const s of stack.services) s.process.kill('SIGKILL');
    },
  );
  await stack.start();

  const pg = new URL(BASE_PG_URL);
  const proxy = new TcpProxy(Number(pg.port || 5432), pg.hostname);
  await proxy.start();
  onCleanup(() => proxy.close());
  await stack.startService('persistence-writer', {
    DATABASE_URL: proxy.url(stack.databaseUrl),
  });

  const fdPort = await freePort();
  const upstreams = stack
    .all('gateway')
    .map((g) => `${g.env['GATEWAY_ID']}=${g.url}`)
    .join(',');
  const frontDoor = spawn(process.execPath, [join(REPO_ROOT, 'tools', 'front-door', 'front-door.mjs')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      FRONT_DOOR_PORT: String(fdPort),
      FRONT_DOOR_UPSTREAMS: upstreams,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const fdLog = createWriteStream(join(logDir, 'front-door.log'));
  frontDoor.stdout?.pipe(fdLog);
  frontDoor.stderr?.pipe(fdLog);
  onCleanup(
    async () => {
      if (frontDoor.exitCode !== null || frontDoor.signalCode !== null) return;
      const exited = new Promise((r) => frontDoor.once('exit', r));
      frontDoor.kill('SIGTERM');
      const t = setTimeout(() => frontDoor.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
    () => frontDoor.kill('SIGKILL'),
  );
  const frontDoorUrl = `http://127.0.0.1:${fdPort}`;
  await waitOk(`${frontDoorUrl}/front-door/health`, 15_000);

  // The watchdog: a service process that exits while nobody killed it is a crash — recorded and
  // restarted in place, so the rest of the run still has a whole system (Kubernetes restarts a
  // crashed pod the same way).
  const killedOnPurpose = new WeakSet<RunningService>();
  const restarting = new WeakSet<RunningService>();
  let watching = true;
  const rig: Rig = {
    redis,
    stack,
    proxy,
    frontDoor,
    frontDoorUrl,
    logDir,
    kill9: (svc) => {
      killedOnPurpose.add(svc);
      stack.kill9(svc);
    },
    restart: (svc) =>
      stopping()
        ? Promise.reject(new Error(`not restarting ${svc.id}: the run is stopping`))
        : stack.startService(svc.name, {}, { replace: svc }),
    gateways: () => stack.all('gateway'),
    presences: () => stack.all('presence'),
    writer: () => {
      const w = stack.all('persistence-writer')[0];
      if (!w) throw new Error('no writer running');
      return w;
    },
    crashes: [],
    onCrash: () => undefined,
    get adminUrl() {
      return stack.adminUrl;
    },
  };
  const watchdog = setInterval(() => {
    for (const svc of [...stack.services]) {
      const p = svc.process;
      if (!watching || (p.exitCode === null && p.signalCode === null)) continue;
      if (killedOnPurpose.has(svc) || restarting.has(svc)) continue;
      restarting.add(svc);
      const crash: Crash = {
        service: svc.id,
        exit: String(p.exitCode ?? p.signalCode),
        at: Date.now(),
        error: firstErrorLine(svc.logFile),
      };
      rig.crashes.push(crash);
      rig.onCrash(crash);
      console.log(`  ✗ ${svc.id} exited by itself (${crash.exit}): ${crash.error}; restarting it`);
      rig.restart(svc).catch((e: Error) => console.error(`  could not restart ${svc.id}: ${e.message}`));
    }
  }, 250);
  onCleanup(async () => {
    watching = false;
    clearInterval(watchdog);
  });
  return rig;
}

/** The first line that looks like an error in the last 8 KiB of a log file. */
function firstErrorLine(file: string): string {
  try {
    const text = readFileSync(file, 'utf8').slice(-8_192);
    const line =
      text.split('\n').find((l) => /Error|"level":(50|60)/.test(l)) ?? text.trim().split('\n').pop();
    return (line ?? '').slice(0, 300);
  } catch {
    return '(no log)';
  }
}

export async function waitOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not answering after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A `/v1` call as a super admin; returns the status and the parsed body. */
export async function v1(
  rig: Rig,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${rig.adminUrl}/v1${path}`, {
    method,
    headers: { authorization: rig.stack.superAdminToken(), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

/** Like `v1`, failing unless the status is 2xx. */
export async function v1ok(
  rig: Rig,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const r = await v1(rig, method, path, body);
  if (r.status >= 300) throw new Error(`${method} /v1${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Resident set size of a process, MiB (NaN once it is gone). */
export function rssMiB(pid: number | undefined, read: (p: string) => string): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
