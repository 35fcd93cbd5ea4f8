// Systems under test. Each target starts `nodes` server processes pinned to the server core(s),
// with the measurement probe preloaded, and returns a handle:
//
//   { name, label, protocol, publishProtocol, waitFor, urls[], serverPids[], auxPids[], probeDir, appID,
//     jwtSecret, storedChannels?, shardChannel(channelID), stop() }
//
// `protocol` is what subscribers speak, `publishProtocol` what publishers speak (the same, except for
// a read-only transport such as SSE).
//
// `serverPids` are the processes whose CPU counts as "server CPU" (the socket.io/ws servers, the
// Channels gateways); `auxPids` are other processes of the system (Channels' writer and presence),
// reported separately. Every target uses its own Redis prefix / database and removes it in stop().
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SERVER_CPUS, freePort, spawnNode, stopChild, waitHttpOk } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..');
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PROBE = join(here, 'probe.cjs');
export const JWT_SECRET = 'bench-secret-0123456789';
export const APP_ID = 'bench-app';

/** Cleanups of targets still running, run by the runner if it is interrupted. */
export const pendingCleanups = new Set();

/** Thrown when a target cannot run here yet (e.g. the gateway is not built). */
export class NotAvailable extends Error {}

export const TARGETS = {
  'ws-raw': {
    label: 'raw ws broadcast server',
    kind: 'baseline',
    script: 'ws-raw.mjs',
    protocol: 'raw',
    multiNode: false,
  },
  'socketio-classic': {
    label: 'socket.io + redis-adapter (classic)',
    kind: 'baseline',
    script: 'socketio-classic.mjs',
    protocol: 'sio',
    multiNode: true,
  },
  'socketio-sharded': {
    label: 'socket.io + redis-adapter (sharded, dynamic)',
    kind: 'baseline',
    script: 'socketio-sharded.mjs',
    protocol: 'sio',
    multiNode: true,
  },
  channels: {
    label: 'Channels gateway',
    kind: 'channels',
    protocol: 'sio',
    waitFor: 'ready',
    multiNode: true,
  },
  // The same gateway build, its clients speaking the original product's binary protocol.
  'channels-optimized': {
    label: 'Channels gateway, /optimized',
    kind: 'channels',
    protocol: 'optimized',
    multiNode: true,
    short: 'ch-opt', // in the Redis prefix, which the services cap at 40 characters
  },
  // The same gateway build, subscribers reading Server-Sent Events (`GET /sse`). SSE is read-only:
  // publishers publish over socket.io as the `channels` target's do.
  'channels-sse': {
    label: 'Channels gateway, SSE',
    kind: 'channels',
    protocol: 'sse',
    publishProtocol: 'sio',
    waitFor: 'ready',
    multiNode: true,
    short: 'ch-sse',
  },
};

export const GATEWAY_MAIN = join(REPO_ROOT, 'dist', 'apps', 'gateway', 'main.js');
/**
 * Another build of the gateway (a path to its main.js) measured as the target `channels-alt`
 * beside `channels` in the same run — before/after comparisons of a change, side by side.
 */
export const GATEWAY_ALT_MAIN = process.env.BENCH_GATEWAY_ALT;
if (GATEWAY_ALT_MAIN) {
  TARGETS['channels-alt'] = {
    ...TARGETS.channels,
    label: `Channels gateway (${GATEWAY_ALT_MAIN})`,
    main: GATEWAY_ALT_MAIN,
  };
}
const WRITER_MAIN = join(REPO_ROOT, 'dist', 'apps', 'persistence-writer', 'main.js');
const PRESENCE_MAIN = join(REPO_ROOT, 'dist', 'apps', 'presence', 'main.js');

/**
 * BENCH_STORED_CHANNELS=1: every Channels target's channels are persistent — its acked publishes
 * are stored and its events carry offsets (over SSE, an `id:` line each). By default they are
 * live-only, like the baselines' (which store nothing).
 */
export const STORED_CHANNELS = process.env.BENCH_STORED_CHANNELS === '1';

export function channelsAvailable() {
  return existsSync(GATEWAY_MAIN);
}

// BENCH_SERVER_NODE_ARGS adds Node flags to every server under test (e.g. `--cpu-prof
// --cpu-prof-dir=tmp/prof` to see where a server spends its time during a scenario).
const probeArgs = [
  ...(process.env.BENCH_NO_PROBE === '1' ? [] : ['--expose-gc', '--require', PROBE]),
  ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
];

/**
 * Starts a target. opts: {ctx, nodes, channels: string[], clientIDs: string[]} — Channels needs the
 * channels and clients to exist; the baselines accept anything.
 */
export async function startTarget(name, { ctx, nodes = 1, channels = [], clientIDs = [] }) {
  const def = TARGETS[name];
  if (!def) throw new Error(`unknown target ${name}`);
  if (nodes > 1 && !def.multiNode) throw new Error(`${name} is single-node`);
  const id = `${def.short ?? name}-${randomBytes(3).toString('hex')}`;
  const probeDir = join(ctx.runDir, 'probe', id);
  mkdirSync(probeDir, { recursive: true });
  const redisPrefix = `bench:${ctx.runId}:${id}:`;
  const base = {
    name,
    label: def.label,
    protocol: def.protocol,
    publishProtocol: def.publishProtocol ?? def.protocol,
    waitFor: def.waitFor,
    probeDir,
    appID: APP_ID,
    jwtSecret: JWT_SECRET,
    redisPrefix,
  };
  if (def.kind === 'channels')
    return startChannels({ ...base, ctx, nodes, channels, clientIDs, main: def.main ?? GATEWAY_MAIN });

  const children = [];
  const cleanup = async () => {
    pendingCleanups.delete(cleanup);
    await Promise.all(children.map((c) => stopChild(c, 5_000)));
    await deleteRedisPrefix(redisPrefix);
  };
  pendingCleanups.add(cleanup);
  try {
    // Nodes boot in parallel; urls keep node order.
    const urls = await Promise.all(
      Array.from({ length: nodes }, async (_v, i) => {
        const port = await freePort();
        const child = spawnNode([join(REPO_ROOT, 'bench', 'baselines', def.script)], {
          cpus: SERVER_CPUS,
          nodeArgs: probeArgs,
          env: {
            PORT: String(port),
            REDIS_URL,
            REDIS_PREFIX: redisPrefix,
            JWT_SECRET,
            BENCH_PROBE_DIR: probeDir,
          },
          logFile: join(ctx.runDir, `${id}-${i + 1}.log`),
        });
        children[i] = child;
        const url = `http://127.0.0.1:${port}`;
        await waitHttpOk(`${url}/health`, { child, what: `${name} #${i + 1}`, timeoutMs: 60_000 });
        return url;
      }),
    );
    return {
      ...base,
      urls,
      serverPids: children.map((c) => c.pid),
      auxPids: [],
      children,
      shardChannel: (channelID) => `${redisPrefix}sio#/#${APP_ID}:${channelID}#`,
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

async function startChannels(t) {
  const { ctx, nodes, channels, clientIDs, redisPrefix, probeDir, main } = t;
  if (!channelsAvailable()) {
    throw new NotAvailable(
      'gateway not built yet (dist/apps/gateway/main.js missing: `npx nx build gateway`)',
    );
  }
  const dbName = `channels_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const dbUrl = new URL(PG_URL);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  const children = [];
  const aux = [];
  const cleanup = async () => {
    pendingCleanups.delete(cleanup);
    await Promise.all(children.map((c) => stopChild(c, 8_000)));
    await Promise.all(aux.map((c) => stopChild(c, 8_000)));
    await dropDatabase(dbName).catch((e) => ctx.log(`  (could not drop ${dbName}: ${e.message})`));
    await deleteRedisPrefix(redisPrefix);
  };
  pendingCleanups.add(cleanup);
  try {
    const { applyMigrations } = await import(join(REPO_ROOT, 'scripts', 'migrate.mjs'));
    await applyMigrations(databaseUrl, { log: () => undefined });
    await seed(databaseUrl, channels, clientIDs, STORED_CHANNELS);

    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix,
      JWT_SECRET,
      SHUTDOWN_TIMEOUT_MS: '3000',
      // Connections still open at the end are closed at once, not spread over the drain window
      // meant for rolling restarts (what is left of a rig's clients would hold cleanup for seconds).
      DRAIN_WINDOW_MS: '0',
      BENCH_PROBE_DIR: probeDir,
      ...JSON.parse(process.env.BENCH_CHANNELS_ENV ?? '{}'),
    };
    const start = async (main, portEnv, extra, what, pin, list, index) => {
      const port = await freePort();
      const child = spawnNode([main], {
        cpus: pin,
        nodeArgs: probeArgs,
        env: { ...env, ...extra, [portEnv]: String(port) },
        logFile: join(ctx.runDir, `${t.name}-${what}.log`),
      });
      list[index] = child;
      // Generous: scenarios boot several Channels stacks at once (socket.io and /optimized targets,
      // 4 gateways for chat) on one pinned core, often beside other work on the machine.
      await waitHttpOk(`http://127.0.0.1:${port}/health/ready`, { child, what, timeoutMs: 120_000 });
      return `http://127.0.0.1:${port}`;
    };
    // Writer and presence are part of the system but not of the delivery path: they run unpinned.
    // Everything boots in parallel.
    const auxStarted = [];
    const auxBoots = [];
    if (existsSync(WRITER_MAIN)) {
      auxStarted.push('persistence-writer');
      auxBoots.push(
        start(WRITER_MAIN, 'WRITER_PORT', {}, 'persistence-writer', undefined, aux, auxBoots.length),
      );
    }
    if (existsSync(PRESENCE_MAIN)) {
      auxStarted.push('presence');
      auxBoots.push(
        start(
          PRESENCE_MAIN,
          'PRESENCE_PORT',
          { PRESENCE_ID: `bench-pr-${ctx.runId}` },
          'presence',
          undefined,
          aux,
          auxBoots.length,
        ),
      );
    }
    const gatewayBoots = Array.from({ length: nodes }, (_v, i) =>
      start(
        main,
        'GATEWAY_PORT',
        { GATEWAY_ID: `bench-gw${i + 1}-${ctx.runId}` },
        `gateway-${i + 1}`,
        SERVER_CPUS,
        children,
        i,
      ),
    );
    const [urls] = await Promise.all([Promise.all(gatewayBoots), Promise.all(auxBoots)]);
    return {
      ...t,
      urls,
      serverPids: children.map((c) => c.pid),
      auxPids: aux.map((c) => c.pid),
      auxStarted,
      children,
      databaseUrl,
      storedChannels: STORED_CHANNELS,
      shardChannel: (channelID) => `${redisPrefix}sio#/#ch:{${encodeURIComponent(APP_ID)}|${channelID}}#`,
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Inserts the app, its open channels (non-persistent unless `persistent`) and the clients the load
 * generator uses.
 */
async function seed(databaseUrl, channels, clientIDs, persistent = false) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('INSERT INTO apps (id, name) VALUES ($1, $2)', [APP_ID, 'bench']);
    if (channels.length) {
      await client.query(
        `INSERT INTO channels (app_id, id, name, persistent, private, presence)
         SELECT $1, c, c, $3, false, false FROM unnest($2::text[]) AS c`,
        [APP_ID, channels, persistent],
      );
    }
    if (clientIDs.length) {
      await client.query(
        `INSERT INTO clients (app_id, id, username) SELECT $1, c, c FROM unnest($2::text[]) AS c`,
        [APP_ID, clientIDs],
      );
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(dbName) {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Deletes every key under `prefix` (never FLUSHALL/FLUSHDB: Redis is shared). */
export async function deleteRedisPrefix(prefix) {
  if (!prefix || prefix.length < 8) throw new Error(`refusing to delete a short prefix: ${prefix}`);
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** PUBSUB SHARDNUMSUB / NUMSUB for the given channels: how many connections listen to each. */
export async function pubsubCounts(kind, channels) {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const reply = await redis.call('PUBSUB', kind, ...channels);
    const out = {};
    for (let i = 0; i < reply.length; i += 2) out[reply[i]] = Number(reply[i + 1]);
    return out;
  } finally {
    redis.disconnect();
  }
}

/** Redis server CPU seconds so far (INFO cpu; the Redis is shared, so this is indicative). */
export async function redisCpuSeconds() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const info = await redis.info('cpu');
    const get = (k) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
    return get('used_cpu_user') + get('used_cpu_sys');
  } finally {
    redis.disconnect();
  }
}
