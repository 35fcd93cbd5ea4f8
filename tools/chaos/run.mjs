#!/usr/bin/env node
// `npm run chaos [-- soak] [options]`: builds what the run needs (like `npm test`: install when
// needed, Prisma client, the four services), then runs tools/chaos/main.ts through the TypeScript
// hook the benchmarks use. The run's own redis-server gets a spare port chosen here, so every part of
// the run — the testing library's cleanup included — talks to it and never to the shared Redis.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/proc.mjs';
import { buildApps, ensureGenerated, ensureInstalled, ROOT } from '../../scripts/lib.mjs';

const args = process.argv.slice(2);
if (!args.includes('--help')) {
  ensureInstalled();
  ensureGenerated();
  buildApps();
}
const port = await freePort();
const child = spawn(
  process.execPath,
  ['-r', join(ROOT, 'bench/writer/ts-register.cjs'), join(ROOT, 'tools/chaos/main.ts'), ...args],
  {
    cwd: ROOT,
    stdio: 'inherit',
    // Its own process group: Ctrl-C reaches this process only, and the run (told below) stops what
    // it started in order — the services before its Redis — instead of everything dying at once.
    detached: true,
    env: { ...process.env, CHAOS_REDIS_PORT: String(port), TEST_REDIS_URL: `redis://127.0.0.1:${port}/0` },
  },
);
// A signal is passed on: the run cleans up, and this process waits for it.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
