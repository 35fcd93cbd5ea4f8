import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

interface Upstream {
  id: string;
  url: string;
  healthy: boolean;
}
interface FrontDoorModule {
  parseUpstreams(spec: string): Upstream[];
  gatewayOfSid(sid: unknown): string | undefined;
  createFrontDoor(o: { upstreams: Upstream[]; healthIntervalMs?: number; log?: (m: string) => void }): {
    server: http.Server;
    close(): Promise<void>;
  };
}

// @ts-expect-error -- plain .mjs tool without type declarations; FrontDoorModule above is its shape.
const load = (): Promise<FrontDoorModule> => import('./front-door.mjs') as Promise<FrontDoorModule>;

function backend(
  name: string,
  { readyHangs = false } = {},
): Promise<{ url: string; close: () => void; stopListening: () => void }> {
  const srv = http.createServer((req, res) => {
    if (req.url?.startsWith('/health/ready')) return readyHangs ? undefined : void res.end('ok');
    res.end(JSON.stringify({ name, url: req.url }));
  });
  // WebSocket upgrades are accepted and then left open (all the front door sees of a session).
  const upgraded = new Set<Duplex>();
  srv.on('upgrade', (_req, socket: Duplex) => {
    upgraded.add(socket);
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end());
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        close: () => {
          srv.close();
          srv.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
        },
        // Refuses new connections (as a killed process does); its open sessions stay up.
        stopListening: () => srv.close(),
      }),
    ),
  );
}

/** Opens a WebSocket-like upgraded session through `base`; resolves to its client socket. */
function upgrade(base: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/socket.io/?EIO=4&transport=websocket`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
    });
    req.on('upgrade', (_res, socket: Duplex) => resolve(socket));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('front door probes', () => {
  it('keeps the open sessions of a gateway whose readiness is slow, and closes those of one that stopped answering', async () => {
    const fd = await load();
    const slow = await backend('gw1', { readyHangs: true });
    const gone = await backend('gw2');
    const logged: string[] = [];
    const door = fd.createFrontDoor({
      upstreams: fd.parseUpstreams(`gw1=${slow.url},gw2=${gone.url}`),
      healthIntervalMs: 100,
      log: (m) => logged.push(m),
    });
    await new Promise<void>((r) => door.server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(door.server.address() as AddressInfo).port}`;
    const closed = new Set<string>();
    try {
      // Handshakes alternate between the two gateways while both are healthy.
      const first = await upgrade(base);
      const second = await upgrade(base);
      first.on('close', () => closed.add('first'));
      second.on('close', () => closed.add('second'));
      gone.stopListening();
      // Several probes: gw1's readiness times out (1 s) each time, gw2 refuses connections.
      await sleep(2_500);
      expect([...closed]).toEqual(['second']);
      expect(logged).toEqual([
        expect.stringMatching(/^gw2 unreachable \(ECONNREFUSED\): closing its 1 WebSocket/),
      ]);
      const health = (await (await fetch(`${base}/front-door/health`)).json()) as { upstreams: Upstream[] };
      expect(health.upstreams.map((u) => u.healthy)).toEqual([false, false]);
      first.destroy();
      second.destroy();
    } finally {
      await door.close();
      slow.close();
      gone.close();
    }
  }, 15_000);
});
