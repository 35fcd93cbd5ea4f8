// Helpers shared by `npm start` and `npm test`: idempotent install / generate steps, env loading.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function step(title) {
  console.log(`\n\u25b6 ${title}`);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: process.env, ...opts });
  if (r.status !== 0) {
    const err = new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    err.exitCode = r.status ?? 1;
    throw err;
  }
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** npm install when node_modules is missing or older than package.json / package-lock.json. */
export function ensureInstalled() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  if (mtime(marker) >= Math.max(mtime(join(ROOT, 'package.json')), mtime(join(ROOT, 'package-lock.json'))))
    return;
  step('Installing dependencies (npm install)');
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
}

/** Generates the Prisma client when it is missing or older than the schema. */
export function ensureGenerated() {
  const client = join(ROOT, 'libs/db/src/generated/prisma/client.ts');
  if (mtime(client) >= mtime(join(ROOT, 'prisma/schema.prisma'))) return;
  step('Generating the Prisma client');
  run(process.execPath, [join(ROOT, 'scripts/prisma-generate.mjs')]);
}

/** Loads KEY=VALUE lines of .env into process.env (existing variables win). */
export function loadDotEnv() {
  const file = join(ROOT, '.env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const value = m[2].replace(/^(['"])(.*)\1$/, '$2');
    if (process.env[m[1]] === undefined) process.env[m[1]] = value;
  }
}

/**
 * Every built Nx project: the five services, the operators' CLI (`npx channels`), the client SDK
 * (`@channels/client` in dist/libs/client; the demo page loads its browser bundle) and the
 * dashboard (served by admin-api at /dashboard/).
 */
export const APPS = [
  'admin-api',
  'gateway',
  'persistence-writer',
  'presence',
  'webhooks',
  'cli',
  'client',
  'dashboard',
];

export function buildApps() {
  step('Building the services, the CLI, the client SDK and the dashboard');
  run(
    join(ROOT, 'node_modules/.bin/nx'),
    [
      'run-many',
      '-t',
      'build',
      `--projects=${APPS.join(',')}`,
      '--parallel=2',
      '--output-style=stream-without-prefixes',
    ],
    {
      env: {
        ...process.env,
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_SKIP_NX_CACHE: process.env.NX_SKIP_NX_CACHE ?? '',
      },
    },
  );
}
