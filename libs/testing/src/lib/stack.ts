import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { signToken } from '@channels/auth';
import {
  createTestDatabase,
  deleteRedisPrefix,
  dropTestDatabase,
  REPO_ROOT,
  uniqueRunId,
  BASE_REDIS_URL,
} from './test-env';

export type ServiceName = 'gateway' | 'admin-api' | 'persistence-writer' | 'presence' | 'webhooks';

/** Port env variable of each service. */
const PORT_ENV: Record<ServiceName, string> = {
  gateway: 'GATEWAY_PORT',
  'admin-api': 'ADMIN_API_PORT',
  'persistence-writer': 'WRITER_PORT',
  presence: 'PRESENCE_PORT',
  webhooks: 'WEBHOOKS_PORT',
};

export interface RunningService {
  name: ServiceName;
  /** e.g. `gateway-1`. */
  id: string;
  port: number;
  url: string;
  process: ChildProcess;
  logFile: string;
  env: Record<string, string>;
}

export interface StackOptions {
  gateways?: number;
  adminApi?: boolean;
  writers?: number;
  presences?: number;
  /** Webhooks service replicas (default 1). */
  webhooks?: number;
  /** Extra env for every service (e.g. short grace periods in tests). */
  env?: Record<string, string>;
  /** Per-service extra env. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

export const TEST_JWT_SECRET = 'e2e-secret-0123456789';

/**
 * Runs the real built services (dist/apps/…/main.js) against a fresh database and Redis prefix,
 * each on a free port, and waits until every one reports ready. `stop()` ends them and cleans up.
 */
export class Stack {
  readonly services: RunningService[] = [];
  readonly runId = uniqueRunId('channels_e2e');
  readonly redisPrefix = `e2e:${this.runId}:`;
  databaseUrl = '';
  readonly logDir = join(REPO_ROOT, 'tmp', 'e2e-logs', this.runId);
  private stopped = false;
  private readonly launched = new Map<ServiceName, number>();

  constructor(private readonly options: StackOptions = {}) {}

  get baseEnv(): Record<string, string> {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'info',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: BASE_REDIS_URL,
      REDIS_KEY_PREFIX: this.redisPrefix,
      JWT_SECRET: TEST_JWT_SECRET,
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(this.options.env ?? {}),
    };
  }

  async start(): Promise<this> {
    mkdirSync(this.logDir, { recursive: true });
    this.databaseUrl = await createTestDatabase(this.runId);
    const o = this.options;
    const plan: ServiceName[] = [
      ...(o.adminApi === false ? [] : (['admin-api'] as ServiceName[])),
      ...Array.from({ length: o.writers ?? 1 }, () => 'persistence-writer' as ServiceName),
      ...Array.from({ length: o.presences ?? 1 }, () => 'presence' as ServiceName),
      ...Array.from({ length: o.webhooks ?? 1 }, () => 'webhooks' as ServiceName),
      ...Array.from({ length: o.gateways ?? 2 }, () => 'gateway' as ServiceName),
    ];
    await Promise.all(plan.map((name) => this.startService(name)));
    return this;
  }

  /**
   * Starts one more instance of a service (also used to restart after a kill). `replace` restarts a
   * stopped instance in its place: same port (a front door keeps routing to it), same id and
   * GATEWAY_ID / PRESENCE_ID, same env unless `extraEnv` overrides it.
   */
  async startService(
    name: ServiceName,
    extraEnv: Record<string, string> = {},
    { replace }: { replace?: RunningService } = {},
  ): Promise<RunningService> {
    if (replace) return this.restartInPlace(replace, extraEnv);
    // Counted synchronously: `start()` launches instances concurrently, and each needs its own id.
    const index = (this.launched.get(name) ?? 0) + 1;
    this.launched.set(name, index);
    const id = `${name}-${index}`;
    const port = await freePort();
    const env = {
      ...this.baseEnv,
      ...(this.options.serviceEnv?.[name] ?? {}),
      ...extraEnv,
      [PORT_ENV[name]]: String(port),
      ...(name === 'gateway' ? { GATEWAY_ID: `gw${index}-${this.runId.slice(-8)}` } : {}),
      ...(name === 'presence' ? { PRESENCE_ID: `pr${index}` } : {}),
    };
    return this.launch(name, id, port, env);
  }

  private async restartInPlace(
    old: RunningService,
    extraEnv: Record<string, string>,
  ): Promise<RunningService> {
    if (old.process.exitCode === null && old.process.signalCode === null)
      throw new Error(`${old.id} is still running; stop it before restarting it in place`);
    const index = this.services.indexOf(old);
    if (index >= 0) this.services.splice(index, 1);
    return this.launch(old.name, old.id, old.port, {
      ...old.env,
      ...extraEnv,
      [PORT_ENV[old.name]]: String(old.port),
    });
  }

  private async launch(
    name: ServiceName,
    id: string,
    port: number,
    env: Record<string, string>,
  ): Promise<RunningService> {
    const logFile = join(this.logDir, `${id}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'apps', name, 'main.js')], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const svc: RunningService = {
      name,
      id,
      port,
      url: `http://127.0.0.1:${port}`,
      process: child,
      logFile,
      env,
    };
    this.services.push(svc);
    await waitReady(svc);
    return svc;
  }

  all(name: ServiceName): RunningService[] {
    return this.services.filter((s) => s.name === name && s.process.exitCode === null && !s.process.killed);
  }

  url(name: ServiceName, i = 0): string {
    const s = this.all(name)[i];
    if (!s) throw new Error(`no running ${name} #${i}`);
    return s.url;
  }

  get adminUrl(): string {
    return this.url('admin-api');
  }

  /** Token helpers signed with the stack's secret. */
  superAdminToken(clientID = 'root'): string {
    return signToken(TEST_JWT_SECRET, { Role: 'Super_Admin', ClientID: clientID });
  }
  adminToken(appID: string, clientID = 'admin'): string {
    return signToken(TEST_JWT_SECRET, { Role: 'Admin', ClientID: clientID, AppID: appID });
  }
  clientToken(appID: string, clientID: string, expiresInSeconds?: number): string {
    return signToken(
      TEST_JWT_SECRET,
      { Role: 'Client', ClientID: clientID, AppID: appID },
      { expiresInSeconds },
    );
  }

  /** `kill -9`: no shutdown hooks run. */
  kill9(svc: RunningService): void {
    svc.process.kill('SIGKILL');
  }

  /** SIGTERM and wait for exit. */
  async terminate(svc: RunningService, timeoutMs = 20_000): Promise<number | null> {
    // Already gone (a signal, e.g. after kill9, leaves exitCode null but sets signalCode).
    if (svc.process.exitCode !== null || svc.process.signalCode !== null) return svc.process.exitCode;
    const exited = new Promise<number | null>((resolve) => svc.process.once('exit', (code) => resolve(code)));
    svc.process.kill('SIGTERM');
    const t = setTimeout(() => svc.process.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(t);
    return code;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.services.map((s) => this.terminate(s, 8_000).catch(() => undefined)));
    await dropTestDatabase(this.runId).catch(() => undefined);
    await deleteRedisPrefix(this.redisPrefix).catch(() => undefined);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(svc: RunningService, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (svc.process.exitCode !== null) {
      throw new Error(`${svc.id} exited with ${svc.process.exitCode} before ready (log: ${svc.logFile})`);
    }
    try {
      const res = await fetch(`${svc.url}/health/ready`);
      if (res.ok) return;
      last = await res.text();
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${svc.id} not ready after ${timeoutMs} ms: ${last} (log: ${svc.logFile})`);
}
