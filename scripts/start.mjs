#!/usr/bin/env node
// `npm start`: installs, generates, migrates, builds and runs the whole system locally —
// admin-api and N gateways behind one front door (one address for socket.io, /optimized, the
// original REST routes and /v1), persistence-writer, presence and webhooks — then prints the
// URLs, a ready-made demo app with tokens and the demo chat page (/demo/ on the front door). A
// service that dies is restarted with backoff; Ctrl-C
// stops everything cleanly (exit 0); exit 1 only when a service keeps dying or the start failed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeDemoSite } from '../tools/demo-chat/site.mjs';
import { buildApps, ensureGenerated, ensureInstalled, loadDotEnv, ROOT, step } from './lib.mjs';

loadDotEnv();
const env = process.env;
env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/channels';
env.REDIS_URL ??= 'redis://127.0.0.1:6379/0';
env.JWT_SECRET ??= 'channels-dev-secret-change-me';
env.LOG_LEVEL ??= 'info';
const frontDoorPort = Number(env.FRONT_DOOR_PORT ?? 8080);
const adminPort = Number(env.ADMIN_API_PORT ?? 3000);
const firstGatewayPort = Number(env.GATEWAY_PORT ?? 3001);
const gatewayCount = Number(env.GATEWAY_COUNT ?? 2);
const writerPort = Number(env.WRITER_PORT ?? 3100);
const presencePort = Number(env.PRESENCE_PORT ?? 3200);
const webhooksPort = Number(env.WEBHOOKS_PORT ?? 3300);

const children = [];
let stopping = false;
const formatLine =
  env.LOG_FORMAT === 'json'
    ? (line) => line
    : (await import('./log-format.mjs')).createLogFormatter({ colorize: Boolean(process.stdout.isTTY) });

/** A service that dies is restarted after a backoff that doubles (1 s … 30 s) with each recent crash. */
const RESTART = { firstDelayMs: 1_000, maxDelayMs: 30_000, window: 120_000, maxCrashes: 5 };

/**
 * Runs one service and keeps it running: when it exits without being asked to, it is restarted
 * with backoff and the console says so; after `RESTART.maxCrashes` exits within
 * `RESTART.window` ms `npm start` gives up, stops everything and exits 1.
 */
function startProcess(name, script, extraEnv) {
  const tag = `[${name}]`.padEnd(22);
  const service = { name, child: null, crashes: [], timer: null };
  const spawnIt = () => {
    const child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.on('data', (chunk) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (env.START_QUIET !== 'true') process.stdout.write(`${tag} ${formatLine(line)}\n`);
        }
      });
    }
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const now = Date.now();
      service.crashes = service.crashes.filter((t) => now - t < RESTART.window);
      service.crashes.push(now);
      const how = code ?? signal;
      if (service.crashes.length >= RESTART.maxCrashes) {
        console.error(
          `${tag} exited (${how}) ${service.crashes.length} times within ${RESTART.window / 1000} s; giving up and stopping everything`,
        );
        void stopAll(1);
        return;
      }
      const delay = Math.min(RESTART.maxDelayMs, RESTART.firstDelayMs * 2 ** (service.crashes.length - 1));
      console.error(`${tag} exited (${how}); restarting in ${delay / 1000} s`);
      service.timer = setTimeout(() => {
        service.timer = null;
        if (stopping) return;
        console.error(`${tag} restarting`);
        spawnIt();
      }, delay);
    });
  };
  spawnIt();
  children.push(service);
  return service;
}

async function waitReady(name, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  await Promise.all(
    children.map(
      (service) =>
        new Promise((resolve) => {
          if (service.timer) clearTimeout(service.timer);
          const { child } = service;
          if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
        }),
    ),
  );
  console.log('All services stopped.');
  process.exit(code);
}

async function seedDemo() {
  const require = createRequire(import.meta.url);
  const pg = require('pg');
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`INSERT INTO apps (id, name) VALUES ('demo', 'Demo app') ON CONFLICT DO NOTHING`);
    await client.query(
      `INSERT INTO clients (app_id, id, username, extra) VALUES ('demo','alice','Alice',''),('demo','bob','Bob',''),('demo','carol','Carol','') ON CONFLICT DO NOTHING`,
    );
    await client.query(
      `INSERT INTO channels (app_id, id, name, persistent, private, presence) VALUES
       ('demo','general','General',true,false,true), ('demo','secret','Secret room',true,true,true)
       ON CONFLICT DO NOTHING`,
    );
    await client.query(
      `INSERT INTO memberships (app_id, channel_id, client_id) VALUES ('demo','secret','alice') ON CONFLICT DO NOTHING`,
    );
  } finally {
    await client.end();
  }
  const jwt = require('jsonwebtoken');
  const sign = (claims) => jwt.sign(claims, env.JWT_SECRET, { algorithm: 'HS256' });
  return {
    superAdmin: sign({ Role: 'Super_Admin', ClientID: 'root' }),
    admin: sign({ Role: 'Admin', ClientID: 'demo-admin', AppID: 'demo' }),
    alice: sign({ Role: 'Client', ClientID: 'alice', AppID: 'demo' }),
    bob: sign({ Role: 'Client', ClientID: 'bob', AppID: 'demo' }),
    carol: sign({ Role: 'Client', ClientID: 'carol', AppID: 'demo' }),
  };
}

/** The demo chat (tools/demo-chat) with the demo users' tokens, served by the front door at /demo/. */
const demoDir = join(ROOT, 'dist/demo');
function writeDemo(tokens) {
  writeDemoSite(demoDir, {
    appID: 'demo',
    channelID: 'general',
    users: [
      { clientID: 'alice', name: 'Alice', token: tokens.alice },
      { clientID: 'bob', name: 'Bob', token: tokens.bob },
      { clientID: 'carol', name: 'Carol', token: tokens.carol },
    ],
  });
}

async function main() {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  ensureInstalled();
  ensureGenerated();
  step('Migrating the database');
  const { applyMigrations } = await import(join(ROOT, 'scripts/migrate.mjs'));
  await applyMigrations(env.DATABASE_URL);
  buildApps();

  step('Starting services');
  const dist = (app) => join(ROOT, 'dist/apps', app, 'main.js');
  startProcess('admin-api', dist('admin-api'), { ADMIN_API_PORT: String(adminPort) });
  startProcess('persistence-writer', dist('persistence-writer'), { WRITER_PORT: String(writerPort) });
  startProcess('presence', dist('presence'), {
    PRESENCE_PORT: String(presencePort),
    PRESENCE_ID: 'presence-1',
  });
  startProcess('webhooks', dist('webhooks'), { WEBHOOKS_PORT: String(webhooksPort) });
  const gateways = [];
  for (let i = 0; i < gatewayCount; i++) {
    const port = firstGatewayPort + i;
    const id = `gw${i + 1}`;
    gateways.push({ id, url: `http://127.0.0.1:${port}` });
    startProcess(`gateway-${i + 1}`, dist('gateway'), { GATEWAY_PORT: String(port), GATEWAY_ID: id });
  }
  startProcess('front-door', join(ROOT, 'tools/front-door/front-door.mjs'), {
    FRONT_DOOR_PORT: String(frontDoorPort),
    FRONT_DOOR_UPSTREAMS: gateways.map((g) => `${g.id}=${g.url}`).join(','),
    FRONT_DOOR_ADMIN_API: `http://127.0.0.1:${adminPort}`,
    FRONT_DOOR_DEMO_DIR: demoDir,
  });
  await Promise.all([
    waitReady('admin-api', `http://127.0.0.1:${adminPort}/health/ready`),
    waitReady('persistence-writer', `http://127.0.0.1:${writerPort}/health/ready`),
    waitReady('presence', `http://127.0.0.1:${presencePort}/health/ready`),
    waitReady('webhooks', `http://127.0.0.1:${webhooksPort}/health/ready`),
    ...gateways.map((g) => waitReady(g.id, `${g.url}/health/ready`)),
    waitReady('front-door', `http://127.0.0.1:${frontDoorPort}/front-door/health`),
  ]);
  const tokens = await seedDemo();
  writeDemo(tokens);
  console.log(`
========================================================================
 Channels is up.

 One address:           http://localhost:${frontDoorPort}
   socket.io, /optimized → ${gateways.length} gateways; original REST routes, /v1, /dashboard → admin-api
   original SDKs:        ws://localhost:${frontDoorPort}/optimized and http://localhost:${frontDoorPort}/channel/…
 Gateways directly:     ${gateways.map((g) => g.url.replace('127.0.0.1', 'localhost')).join(', ')}
 Dashboard:             http://localhost:${frontDoorPort}/dashboard/   (sign in with the super admin or admin token below)
 Admin API directly:    http://localhost:${adminPort}          (OpenAPI: /v1/openapi.json, docs: /v1/docs)
 Writer / presence / webhooks: http://localhost:${writerPort}/health/ready, http://localhost:${presencePort}/health/ready, http://localhost:${webhooksPort}/health/ready
 Metrics:               /metrics on every service port

 Demo chat:             http://localhost:${frontDoorPort}/demo/   (open it twice as different users, kill -9 a gateway, chat on)

 Demo app "demo": channels "general" (open, persistent, presence) and "secret" (private; alice is a member)
   super admin token:  ${tokens.superAdmin}
   admin token:        ${tokens.admin}
   client alice:       ${tokens.alice}
   client bob:         ${tokens.bob}
   client carol:       ${tokens.carol}

 Try it (the client SDK, @channels/client, is built in dist/libs/client):
   curl -H "Authorization: ${tokens.admin}" -H "AppID: demo" http://localhost:${frontDoorPort}/channel/open
   node -e "const {ChannelsClient}=require('./dist/libs/client');const c=new ChannelsClient({url:'http://localhost:${frontDoorPort}',appID:'demo',token:'${tokens.alice}'});const g=c.channel('general');const got=new Promise(r=>g.once('event',r));c.connect().then(()=>g.subscribe()).then(()=>g.publish('hello',{text:'hi'})).then(a=>{console.log('stored at offset',a.offset);return got}).then(e=>{console.log('received',e.offset,e.payload);return c.disconnect()})"

 A service that dies is restarted with backoff. Ctrl-C stops everything.
========================================================================
`);
}

main().catch((e) => {
  console.error(e.message ?? e);
  void stopAll(e.exitCode ?? 1);
});
