import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StableExpressAdapter } from './express-adapter';

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return { pong: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

describe('StableExpressAdapter', () => {
  let app: INestApplication;
  let base: string;
  const seen: { request: boolean; response: boolean }[] = [];

  beforeAll(async () => {
    const adapter = new StableExpressAdapter();
    app = await NestFactory.create(PingModule, adapter, { logger: false });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as Server;
    const express = adapter.getInstance() as { request: object; response: object };
    // Runs before Express sees the request: what the HTTP server itself created.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({
        request: Object.getPrototypeOf(req) === express.request,
        response: Object.getPrototypeOf(res) === express.response,
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(() => app.close());

  it("creates requests and responses with Express's own prototypes, before Express handles them", async () => {
    const res = await fetch(`${base}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ pong: true });
    expect(seen.at(-1)).toEqual({ request: true, response: true });
  });

  it('still answers everything Express answers: unknown routes, keep-alive requests in a row', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/ping`)).status).toBe(200);
    expect(seen.slice(-6).every((s) => s.request && s.response)).toBe(true);
  });
});
