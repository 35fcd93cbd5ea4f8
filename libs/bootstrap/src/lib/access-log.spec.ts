import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, stdSerializers } from 'pino';
import { accessLog } from './access-log';

describe('accessLog', () => {
  let server: Server;
  let base: string;
  let lines: Record<string, unknown>[];
  let level: string;

  beforeEach(async () => {
    lines = [];
    level = 'info';
    server = createServer((req, res) => {
      // The serializers the app logger has (pino-http's): they must not touch the line's objects.
      const logger = pino(
        {
          level,
          base: { service: 'test' },
          serializers: { req: stdSerializers.req, res: stdSerializers.res },
        },
        { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
      );
      accessLog(logger)(req, res, () => {
        res.statusCode = req.url?.startsWith('/boom') ? 503 : 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((r) => server.close(r)));
  /** The line is written on the server's 'finish', which may come after the client has its answer. */
  const get = async (path: string, init?: RequestInit) => {
    await (await fetch(`${base}${path}`, init)).text();
    await new Promise((r) => setTimeout(r, 5));
  };

  it('writes one line per finished request with method, url, status, time and request id', async () => {
    await get('/v1/apps?limit=2', { headers: { 'X-Request-ID': 'abc-123' } });
    await get('/app', { method: 'POST' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      service: 'test',
      msg: 'request completed',
      req: { id: 'abc-123', method: 'GET', url: '/v1/apps?limit=2' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0]['responseTime']).toBe('number');
    expect(lines[1]).toMatchObject({ req: { method: 'POST', url: '/app' }, res: { statusCode: 200 } });
    expect(Object.keys(lines[0]['req'] as object)).toEqual(['id', 'method', 'url']);
    expect(typeof (lines[1]['req'] as { id: unknown }).id).toBe('number');
  });

  it('logs server errors at error level, and never the headers (tokens stay out of logs)', async () => {
    await get('/boom', { headers: { Authorization: 'Bearer secret-token' } });
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 503 } }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    await get('/x', { headers: { 'X-Request-ID': 'r'.repeat(1_000) } });
    expect((lines[1]['req'] as { id: string }).id).toBe('r'.repeat(128));
  });

  it('redacts credentials carried in the query (EventSource and URL-only clients)', async () => {
    await get('/sse?channel=a&token=secret-1&appID=x');
    await get('/optimized?Authorization=secret-2&AppID=x');
    await get('/socket.io/?EIO=4&transport=polling&token=secret-3');
    expect(lines.map((l) => (l['req'] as { url: string }).url)).toEqual([
      '/sse?channel=a&token=[redacted]&appID=x',
      '/optimized?Authorization=[redacted]&AppID=x',
      '/socket.io/?EIO=4&transport=polling&token=[redacted]',
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/secret-/);
  });

  it('skips probes and scrapes', async () => {
    await get('/health/live');
    await get('/health/ready');
    await get('/metrics');
    await get('/healthy');
    expect(lines.map((l) => (l['req'] as { url: string }).url)).toEqual(['/healthy']);
  });

  it('follows the level: nothing below it, errors still at warn', async () => {
    level = 'warn';
    await get('/app');
    await get('/boom');
    expect(lines.map((l) => l['msg'])).toEqual(['request errored']);
    level = 'silent';
    await get('/boom');
    expect(lines).toHaveLength(1);
  });
});
