import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { encodeOptimizedFrame, OptimizedClient, OptimizedConnectError } from '@channels/testing';
import { WebSocketServer } from 'ws';

interface Upstream {
  id: string;
  url: string;
  healthy: boolean;
}
interface FrontDoorModule {
  parseUpstreams(spec: string): Upstream[];
  gatewayOfSid(sid: unknown): string | undefined;
  createFrontDoor(o: {
    upstreams: Upstream[];
    adminApi?: string;
    demoDir?: string;
    healthIntervalMs?: number;
  }): {
    server: http.Server;
    close(): Promise<void>;
  };
}

// @ts-expect-error -- plain .mjs tool without type declarations; FrontDoorModule above is its shape.
const load = (): Promise<FrontDoorModule> => import('./front-door.mjs') as Promise<FrontDoorModule>;

/**
 * A stand-in service answering every request with its name and what it received. As a gateway it
 * also accepts WebSocket upgrades at /optimized (token "good" only, else 401 before the upgrade,
 * as the real gateway does) and greets each connection with a NEW_CHANNEL frame naming itself.
 */
function backend(name: string): Promise<{ url: string; close: () => void }> {
  const srv = http.createServer((req, res) => {
    if (req.url?.startsWith('/health/')) return void res.end('ok');
    if (req.url?.startsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return void res.write(`data: ${name}\n\n`);
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(JSON.stringify({ name, method: req.method, url: req.url, body })));
  });
  const wss = new WebSocketServer({ noServer: true });
  srv.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = req.headers['authorization'] ?? url.searchParams.get('Authorization');
    if (url.pathname !== '/optimized' || token !== 'good') {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      ws.send(encodeOptimizedFrame('NEW_CHANNEL', Buffer.from(name))),
    );
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        close: () => {
          for (const ws of wss.clients) ws.terminate();
          srv.closeAllConnections();
          srv.close();
        },
      }),
    ),
  );
}

/** A front door over stand-in gateways (and admin-api, when named), listening on a free port. */
async function openDoor(gateways: string[], adminApi?: string, demoDir?: string) {
  const fd = await load();
  const backends = Object.fromEntries(
    await Promise.all(
      [...gateways, ...(adminApi ? [adminApi] : [])].map(async (n) => [n, await backend(n)] as const),
    ),
  );
  const door = fd.createFrontDoor({
    upstreams: fd.parseUpstreams(gateways.map((g) => `${g}=${backends[g].url}`).join(',')),
    ...(adminApi ? { adminApi: backends[adminApi].url } : {}),
    ...(demoDir ? { demoDir } : {}),
  });
  await new Promise<void>((r) => door.server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(door.server.address() as AddressInfo).port}`,
    backends,
    close: async () => {
      await door.close();
      for (const b of Object.values(backends)) b.close();
    },
  };
}

describe('front door', () => {
  it('serves the demo directory at /demo/ and nothing outside it; other paths still reach the gateways', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'front-door-demo-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(dir, 'config.json'), '{"appID":"demo"}');
    const { base, close } = await openDoor(['gw1'], undefined, dir);
    try {
      const redirect = await fetch(`${base}/demo?as=bob`, { redirect: 'manual' });
      expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/demo/?as=bob']);
      const index = await fetch(`${base}/demo/?as=bob`);
      expect([index.status, index.headers.get('content-type'), await index.text()]).toEqual([
        200,
        'text/html; charset=utf-8',
        '<!doctype html><title>demo</title>',
      ]);
      expect(await (await fetch(`${base}/demo/config.json`)).json()).toEqual({ appID: 'demo' });
      expect((await fetch(`${base}/demo/missing.js`)).status).toBe(404);
      expect((await fetch(`${base}/demo/..%2f..%2fetc%2fpasswd`)).status).not.toBe(200);
      expect(((await (await fetch(`${base}/demonstration`)).json()) as { name: string }).name).toBe('gw1');
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses upstreams and reads the owning gateway from a session id', async () => {
    const fd = await load();
    expect(fd.parseUpstreams('gw1=http://a:1, gw2=http://b:2')).toEqual([
      { id: 'gw1', url: 'http://a:1', healthy: true },
      { id: 'gw2', url: 'http://b:2', healthy: true },
    ]);
    expect(() => fd.parseUpstreams('nourl')).toThrow(/expected id=url/);
    expect(fd.gatewayOfSid('gw2.AbC-12')).toBe('gw2');
    expect(fd.gatewayOfSid('plain')).toBeUndefined();
    expect(fd.gatewayOfSid(undefined)).toBeUndefined();
  });

  it('routes requests carrying a sid to their gateway and spreads the others', async () => {
    const { base, close } = await openDoor(['gw1', 'gw2']);
    try {
      const get = async (path: string) =>
        ((await (await fetch(base + path)).json()) as { name: string }).name;
      for (let i = 0; i < 5; i++)
        expect(await get('/socket.io/?EIO=4&transport=polling&sid=gw2.xyz')).toBe('gw2');
      for (let i = 0; i < 5; i++)
        expect(await get('/socket.io/?EIO=4&transport=polling&sid=gw1.xyz')).toBe('gw1');
      const spread = new Set<string>();
      for (let i = 0; i < 4; i++) spread.add(await get('/socket.io/?EIO=4&transport=polling'));
      expect([...spread].sort()).toEqual(['gw1', 'gw2']);
      const unknown = await fetch(`${base}/socket.io/?EIO=4&transport=polling&sid=gw9.zzz`);
      expect(unknown.status).toBe(400);
    } finally {
      await close();
    }
  });

  it('proxies the original REST routes and /v1 to admin-api, the rest to the gateways', async () => {
    const { base, backends, close } = await openDoor(['gw1'], 'admin-api');
    try {
      const published = await fetch(`${base}/channel/room/publish/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', AppID: 'a' },
        body: '{"eventType":"t","payload":1}',
      });
      expect(await published.json()).toEqual({
        name: 'admin-api',
        method: 'POST',
        url: '/channel/room/publish/',
        body: '{"eventType":"t","payload":1}',
      });
      expect(((await (await fetch(`${base}/v1/apps`)).json()) as { name: string }).name).toBe('admin-api');
      expect(((await (await fetch(`${base}/socket.io/?EIO=4`)).json()) as { name: string }).name).toBe('gw1');
      backends['admin-api'].close();
      const down = await fetch(`${base}/channel/open`);
      expect(down.status).toBe(502);
      expect(await down.json()).toEqual({ error: { code: 'unavailable', message: 'admin-api unavailable' } });
    } finally {
      await close();
    }
  });

  it('passes /optimized WebSocket upgrades to a gateway, and a refused upgrade back as it was', async () => {
    const { base, close } = await openDoor(['gw1', 'gw2'], 'admin-api');
    const clients: OptimizedClient[] = [];
    try {
      for (const via of ['query', 'headers', 'query', 'headers'] as const) {
        const c = await OptimizedClient.connect(base, { token: 'good', appID: 'a', via });
        clients.push(c);
      }
      const greetings = await Promise.all(clients.map(async (c) => (await c.next('NEW_CHANNEL')).payload));
      expect(greetings.sort()).toEqual(['gw1', 'gw1', 'gw2', 'gw2']);

      const refused = OptimizedClient.connect(base, { token: 'bad', appID: 'a', via: 'query' });
      await expect(refused).rejects.toBeInstanceOf(OptimizedConnectError);
      await expect(refused).rejects.toMatchObject({ status: 401 });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await close();
    }
  });

  it('ends a client stream whose gateway dies mid-stream, and sends a GET for a dead gateway elsewhere', async () => {
    const { base, backends, close } = await openDoor(['gw1', 'gw2']);
    try {
      // Two streams: one on each gateway (round robin).
      const streams = await Promise.all([fetch(`${base}/sse`), fetch(`${base}/sse`)]);
      const readers = streams.map((r) => (r.body as ReadableStream<Uint8Array>).getReader());
      const first = await Promise.all(
        readers.map(async (r) => new TextDecoder().decode((await r.read()).value)),
      );
      const onGw1 = first.findIndex((t) => t.includes('gw1'));
      expect(onGw1).toBeGreaterThanOrEqual(0);
      backends['gw1'].close();
      // The stream that was on gw1 ends (done or an error), instead of hanging open.
      const ended = await Promise.race([
        readers[onGw1].read().then(
          (r) => (r.done ? 'ended' : 'data'),
          () => 'ended',
        ),
        new Promise((r) => setTimeout(() => r('still open'), 3_000)),
      ]);
      expect(ended).toBe('ended');
      // Every GET is answered by gw2, even those the round robin sends to gw1 before its probe fails.
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${base}/socket.io/?EIO=4&transport=polling`);
        expect(((await r.json()) as { name: string }).name).toBe('gw2');
      }
      await readers[1 - onGw1].cancel();
    } finally {
      await close();
    }
  });
});
