#!/usr/bin/env node
// Local front door (what nginx / an ingress does in production): one address for every client.
// The original product's REST routes, /v1 and the dashboard go to admin-api; everything else — socket.io,
// /optimized (the original SDKs' WebSocket) — goes to the gateways, balanced, with stickiness for
// socket.io long-polling: a gateway's engine.io session ids start with "<GATEWAY_ID>.", so any
// request carrying `sid` is routed to the gateway that owns the session; handshakes and other
// requests go to the next healthy gateway.
//
// Env: FRONT_DOOR_PORT (8080), FRONT_DOOR_UPSTREAMS="gw1=http://127.0.0.1:3001,gw2=http://127.0.0.1:3002",
// FRONT_DOOR_ADMIN_API="http://127.0.0.1:3000" (without it, every request goes to the gateways),
// FRONT_DOOR_DEMO_DIR=<directory> (optional: static files served at /demo/, the demo chat of `npm start`).
import http from 'node:http';
import express from 'express';
import httpProxy from 'http-proxy';

export function parseUpstreams(spec) {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      if (at <= 0) throw new Error(`bad upstream "${entry}" (expected id=url)`);
      return { id: entry.slice(0, at), url: entry.slice(at + 1), healthy: true };
    });
}

/**
 * First path segments served by admin-api: the original product's REST routes (`/app`, `/client`,
 * `/channel`, `/last`, `/c/…/sync`, `/sync`), the `/v1` API, the server API
 * (`/apps/{appID}/api/`, what gocent calls) and the dashboard (`/dashboard/`).
 * deploy/nginx/nginx.conf and the Kubernetes Ingresses route the same ones (deploy/test checks
 * that they agree).
 */
export const ADMIN_API_SEGMENTS = [
  'app',
  'apps',
  'client',
  'channel',
  'last',
  'c',
  'sync',
  'v1',
  'dashboard',
];

/** Which service a request path belongs to: 'admin-api' or 'gateway'. */
export function serviceOf(path) {
  const segment = (path ?? '/').split(/[?#]/)[0].split('/')[1] ?? '';
  return ADMIN_API_SEGMENTS.includes(segment) ? 'admin-api' : 'gateway';
}

/** The gateway id embedded in a session id, or undefined. */
export function gatewayOfSid(sid) {
  if (typeof sid !== 'string') return undefined;
  const dot = sid.indexOf('.');
  return dot > 0 ? sid.slice(0, dot) : undefined;
}

const TARGET = Symbol('front-door.target');
const RETRIED = Symbol('front-door.retried');

/**
 * Serves the files of `dir` at `/demo/` (a development convenience, not part of the product's
 * routing): returns a handler that answers `/demo…` requests and returns true, else false.
 */
export function demoSite(dir) {
  const serve = express.static(dir, { index: 'index.html', fallthrough: false, redirect: false });
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/demo' && !path.startsWith('/demo/')) return false;
    if (path === '/demo') {
      res.writeHead(302, { location: `/demo/${req.url.slice('/demo'.length)}` }).end();
      return true;
    }
    req.url = req.url.slice('/demo'.length);
    serve(req, res, (err) => {
      res.writeHead(err?.status ?? err?.statusCode ?? 404, { 'content-type': 'text/plain' });
      res.end(err?.status === 404 || !err ? 'not found' : 'error');
    });
    return true;
  };
}

export function createFrontDoor({ upstreams, adminApi, demoDir, healthIntervalMs = 500, log = () => {} }) {
  const demo = demoDir ? demoSite(demoDir) : () => false;
  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: true, proxyTimeout: 0 });
  let next = 0;
  const byId = new Map(upstreams.map((u) => [u.id, u]));

  const admin = adminApi ? { id: 'admin-api', url: adminApi } : undefined;

  const pick = (req) => {
    if (admin && serviceOf(req.url) === 'admin-api') return admin;
    const url = new URL(req.url ?? '/', 'http://front-door');
    const owner = gatewayOfSid(url.searchParams.get('sid'));
    if (owner !== undefined) return byId.get(owner);
    const healthy = upstreams.filter((u) => u.healthy);
    const pool = healthy.length ? healthy : upstreams;
    return pool[next++ % pool.length];
  };

  const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT']);
  proxy.on('error', (err, req, res) => {
    log(`proxy error: ${err.message}`);
    // A gateway that died before answering: a bodiless request goes to another one at once (a
    // browser's EventSource gives up for good on a 502, and socket.io would only retry later).
    const failed = req[TARGET];
    if (
      res &&
      'writeHead' in res &&
      !res.headersSent &&
      failed &&
      failed !== admin &&
      RETRYABLE.has(err.code) &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !req[RETRIED]
    ) {
      failed.healthy = false;
      const other = upstreams.find((u) => u.healthy && u !== failed);
      if (other) {
        req[RETRIED] = true;
        req[TARGET] = other;
        proxy.web(req, res, { target: other.url });
        return;
      }
    }
    if (res && 'writeHead' in res && !res.headersSent) {
      const what = admin && serviceOf(req.url) === 'admin-api' ? 'admin-api' : 'gateway';
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: `${what} unavailable` } }));
    } else if (res && 'destroy' in res) {
      res.destroy();
    }
  });
  // An upstream that dies in the middle of a streamed answer (an SSE stream, a long-poll): the
  // client's connection is ended too, so that it reconnects — a proxied stream would otherwise
  // stay open with nothing behind it.
  proxy.on('proxyRes', (proxyRes, _req, res) => {
    proxyRes.once('close', () => {
      if (!proxyRes.complete && !res.destroyed) res.destroy();
    });
  });

  const server = http.createServer((req, res) => {
    if (req.url === '/front-door/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          upstreams: upstreams.map(({ id, url, healthy }) => ({ id, url, healthy })),
          adminApi: admin?.url ?? null,
        }),
      );
      return;
    }
    if (demo(req, res)) return;
    const target = pick(req);
    if (!target) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'bad_request', message: 'unknown session' } }));
      return;
    }
    req[TARGET] = target;
    proxy.web(req, res, { target: target.url });
  });
  // Upgraded (WebSocket) client sockets per upstream: when an upstream dies they are closed at once,
  // so clients reconnect elsewhere instead of waiting for their ping timeout.
  const upgraded = new Map(upstreams.map((u) => [u.id, new Set()]));
  server.on('upgrade', (req, socket, head) => {
    const target = pick(req);
    if (!target) return socket.destroy();
    const open = upgraded.get(target.id);
    if (open) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    proxy.ws(req, socket, head, { target: target.url });
  });
  const dropSessionsOf = (u, why) => {
    const open = upgraded.get(u.id);
    if (open.size) log(`${u.id} unreachable (${why}): closing its ${open.size} WebSocket sessions`);
    for (const socket of open) socket.destroy();
  };

  const probe = async () => {
    await Promise.all(
      upstreams.map(async (u) => {
        let live;
        try {
          live = (await fetch(`${u.url}/health/live`, { signal: AbortSignal.timeout(1000) })).ok;
        } catch (e) {
          // Unreachable (not merely unready, as while draining): its sessions are gone.
          u.healthy = false;
          dropSessionsOf(u, e?.cause?.code ?? e?.name ?? String(e));
          return;
        }
        try {
          u.healthy =
            live && (await fetch(`${u.url}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok;
        } catch {
          // Alive but its readiness answer failed or was slow (a dependency down or slow): no new
          // sessions go to it, and the open ones stay, as with any unready gateway.
          u.healthy = false;
        }
      }),
    );
  };
  const timer = setInterval(() => void probe(), healthIntervalMs);
  timer.unref();
  void probe();

  return {
    server,
    close: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        proxy.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const port = Number(process.env.FRONT_DOOR_PORT ?? 8080);
  const upstreams = parseUpstreams(process.env.FRONT_DOOR_UPSTREAMS ?? 'gateway=http://127.0.0.1:3001');
  const door = createFrontDoor({
    upstreams,
    adminApi: process.env.FRONT_DOOR_ADMIN_API || undefined,
    demoDir: process.env.FRONT_DOOR_DEMO_DIR || undefined,
    log: (m) => console.error(JSON.stringify({ level: 'warn', service: 'front-door', msg: m })),
  });
  door.server.listen(port, () =>
    console.log(
      JSON.stringify({
        level: 'info',
        service: 'front-door',
        msg: `front door on :${port} → gateways ${upstreams.map((u) => u.url).join(', ')}; admin-api ${
          process.env.FRONT_DOOR_ADMIN_API || '(none: every request to the gateways)'
        }`,
      }),
    ),
  );
  for (const sig of ['SIGTERM', 'SIGINT'])
    process.on(sig, () => void door.close().then(() => process.exit(0)));
}
