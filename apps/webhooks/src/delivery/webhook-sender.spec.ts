import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyChannelsSignature } from '@channels/auth';
import { sendWebhook } from './webhook-sender';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('sendWebhook against a receiver on loopback', () => {
  let server: Server;
  let url: string;
  let answer: (res: import('node:http').ServerResponse) => void;
  const received: Received[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('POSTs the exact body with its id and a signature the receiver can check; 2xx delivers', async () => {
    answer = (res) => res.writeHead(204).end();
    const body = '{"id":"w1","type":"member_added"}';
    const r = await sendWebhook(url, 'w1', body, 'sekret', 2_000);
    expect(r).toMatchObject({ ok: true, statusCode: 204 });
    expect(received).toHaveLength(1);
    expect(received[0].body).toBe(body);
    expect(received[0].headers['content-type']).toBe('application/json');
    expect(received[0].headers['x-channels-webhook-id']).toBe('w1');
    expect(
      verifyChannelsSignature('sekret', body, received[0].headers['x-channels-signature'] as string),
    ).toBe(true);
  });

  it('fails the attempt on another status, on a redirect (not followed) and on a timeout', async () => {
    answer = (res) => res.writeHead(500).end('boom');
    expect(await sendWebhook(url, 'w2', '{}', 's', 2_000)).toMatchObject({
      ok: false,
      statusCode: 500,
      error: 'answered HTTP 500',
    });
    answer = (res) => res.writeHead(302, { Location: `${url}/elsewhere` }).end();
    expect(await sendWebhook(url, 'w3', '{}', 's', 2_000)).toMatchObject({ ok: false, statusCode: 302 });
    expect(received).toHaveLength(2);
    answer = () => undefined; // never answers
    const slow = await sendWebhook(url, 'w4', '{}', 's', 200);
    expect(slow).toMatchObject({ ok: false, error: 'no answer within 200 ms' });
    expect(slow.durationMs).toBeGreaterThanOrEqual(150);
  });

  it('fails the attempt when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await sendWebhook(`http://127.0.0.1:${port}/hook`, 'w5', '{}', 's', 2_000);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/ECONNREFUSED/);
  });
});
