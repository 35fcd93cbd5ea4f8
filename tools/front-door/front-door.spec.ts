import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Upstream {
  id: string;
  url: string;
  healthy: boolean;
}
interface FrontDoorModule {
  parseUpstreams(spec: string): Upstream[];
  gatewayOfSid(sid: unknown): string | undefined;
  createFrontDoor(o: { upstreams: Upstream[]; healthIntervalMs?: number }): {
    server: http.Server;
    close(): Promise<void>;
  };
}

// @ts-expect-error -- plain .mjs tool without type declarations; FrontDoorModule above is its shape.
const load = (): Promise<FrontDoorModule> => import('./front-door.mjs') as Promise<FrontDoorModule>;

function backend(name: string): Promise<{ url: string; close: () => void }> {
  const srv = http.createServer((req, res) => {
    if (req.url?.startsWith('/health/ready')) return void res.end('ok');
    res.end(JSON.stringify({ name, url: req.url }));
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => srv.close() }),
    ),
  );
}

describe('front door', () => {
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
    const fd = await load();
    const a = await backend('gw1');
    const b = await backend('gw2');
    const door = fd.createFrontDoor({ upstreams: fd.parseUpstreams(`gw1=${a.url},gw2=${b.url}`) });
    await new Promise<void>((r) => door.server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(door.server.address() as AddressInfo).port}`;
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
      await door.close();
      a.close();
      b.close();
    }
  });
});
