import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { signToken } from '@channels/auth';
import {
  BASE_REDIS_URL,
  databaseUrl,
  deleteRedisPrefix,
  dropTestDatabase,
  eventually,
  REPO_ROOT,
  uniqueRunId,
} from '@channels/testing';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/** The pids of `parent`'s children whose command line contains `needle`. */
function childPids(parent: number, needle: string): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(needle))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

/**
 * `npm start` as a person uses it: one address for every client (the front door), readable log
 * lines, a service killed with -9 is restarted with backoff (and the console says so), Ctrl-C stops
 * everything and exits 0.
 */
describe('npm start supervises the services', () => {
  const runId = uniqueRunId('start');
  const prefix = `${runId}:`;
  let proc: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 5_000));
      proc.kill('SIGKILL');
    }
    await dropTestDatabase(runId);
    await deleteRedisPrefix(prefix);
  }, 60_000);

  it('serves one address, prints readable logs, restarts a killed gateway, and exits 0 on Ctrl-C', async () => {
    const [front, admin, gateway, writer, presence, webhooks] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    proc = spawn(process.execPath, [join(REPO_ROOT, 'scripts/start.mjs')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl(runId),
        REDIS_URL: BASE_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        JWT_SECRET: 'start-test-secret-0123456789',
        FRONT_DOOR_PORT: String(front),
        ADMIN_API_PORT: String(admin),
        GATEWAY_PORT: String(gateway),
        GATEWAY_COUNT: '1',
        WRITER_PORT: String(writer),
        PRESENCE_PORT: String(presence),
        WEBHOOKS_PORT: String(webhooks),
        LOG_LEVEL: 'info',
        LOG_FORMAT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => proc?.once('exit', (code) => resolve(code)));

    await eventually(async () => output.includes('Channels is up.'), 'npm start up', 150_000);

    // One address: the original REST routes (as the SDKs call them) reach admin-api, socket.io a gateway.
    const adminToken = signToken('start-test-secret-0123456789', {
      Role: 'Admin',
      ClientID: 'ops',
      AppID: 'demo',
    });
    const open = await fetch(`http://127.0.0.1:${front}/channel/open/`, {
      headers: { Authorization: adminToken, AppID: 'demo' },
    });
    expect(open.status).toBe(200);
    expect(((await open.json()) as { channels: { id: string }[] }).channels.map((c) => c.id)).toContain(
      'general',
    );
    const handshake = await fetch(`http://127.0.0.1:${front}/socket.io/?EIO=4&transport=polling`);
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toMatch(/^0\{"sid":"gw1\./);

    // The demo chat is served and linked from the banner, with a token per demo user.
    expect(output).toContain(`Demo chat:             http://localhost:${front}/demo/`);
    const demo = await fetch(`http://127.0.0.1:${front}/demo/`);
    expect([demo.status, await demo.text()]).toEqual([200, expect.stringContaining('Channels demo chat')]);
    const demoConfig = (await (await fetch(`http://127.0.0.1:${front}/demo/config.json`)).json()) as {
      users: { clientID: string }[];
    };
    expect(demoConfig.users.map((u) => u.clientID)).toEqual(['alice', 'bob', 'carol']);
    // The banner's "Try it" line runs as printed: the client SDK publishes and receives.
    const tryIt = /^\s+(node -e ".*ChannelsClient.*")$/m.exec(output)?.[1];
    expect(tryIt).toBeDefined();
    const tried = execFileSync('sh', ['-c', tryIt as string], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(tried).toMatch(/stored at offset \d+\nreceived \d+ \{ text: 'hi' \}/);

    // Each service line is one readable line: `[service] [HH:MM:SS.mmm] LEVEL: message`, not JSON.
    const serviceLines = output.split('\n').filter((l) => /^\[(admin-api|gateway-1|presence)\]/.test(l));
    expect(serviceLines.length).toBeGreaterThan(0);
    for (const line of serviceLines) expect(line).not.toMatch(/^\[[^\]]+\]\s+\{"level"/);
    expect(serviceLines.some((l) => /^\[[^\]]+\]\s+\[\d\d:\d\d:\d\d\.\d{3}\] INFO/.test(l))).toBe(true);

    const [gatewayPid] = childPids(proc.pid as number, 'dist/apps/gateway/main.js');
    expect(gatewayPid).toBeGreaterThan(0);
    process.kill(gatewayPid, 'SIGKILL');

    await eventually(
      async () => /\[gateway-1\]\s+exited \(SIGKILL\); restarting in 1 s/.test(output),
      'the restart announced',
      10_000,
    );
    await eventually(
      async () => {
        const pids = childPids(proc?.pid as number, 'dist/apps/gateway/main.js');
        if (pids.length !== 1 || pids[0] === gatewayPid) return false;
        const res = await fetch(`http://127.0.0.1:${gateway}/health/ready`).catch(() => undefined);
        return res?.ok === true;
      },
      'the gateway back and ready',
      60_000,
    );
    expect(proc.exitCode).toBeNull();

    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('All services stopped.');
  }, 240_000);
});
