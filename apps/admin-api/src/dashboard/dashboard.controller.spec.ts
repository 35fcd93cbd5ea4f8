import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StableExpressAdapter } from '@channels/bootstrap';
import { ADMIN_API_CONFIG, type AdminApiConfig, adminApiEnvSchema } from '../config';
import { AllErrorsFilter } from '../http/all-errors.filter';
import { DashboardController } from './dashboard.controller';

async function serve(dir: string, gatewayURL = ''): Promise<{ app: INestApplication; base: string }> {
  @Module({
    controllers: [DashboardController],
    providers: [
      {
        provide: ADMIN_API_CONFIG,
        useValue: { DASHBOARD_DIR: dir, DASHBOARD_GATEWAY_URL: gatewayURL } as AdminApiConfig,
      },
    ],
  })
  class DashboardOnly {}
  const app = await NestFactory.create(DashboardOnly, new StableExpressAdapter(), { logger: false });
  app.useGlobalFilters(new AllErrorsFilter());
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, base: `http://127.0.0.1:${address.port}` };
}

describe('DashboardController (/dashboard/)', () => {
  const parent = mkdtempSync(join(tmpdir(), 'dashboard-'));
  const dir = join(parent, 'dashboard');
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(parent, 'secret.txt'), 'not for the web');
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Channels dashboard</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    ({ app, base } = await serve(dir, 'https://rt.example.com'));
  });

  afterAll(async () => {
    await app.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('answers index.html, not cached, for the root and for every client route under it', async () => {
    for (const path of [
      '/dashboard',
      '/dashboard/',
      '/dashboard/apps/demo/channels/room%3A1',
      '/dashboard/sign-in',
    ]) {
      const res = await fetch(base + path);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        200,
        'text/html; charset=utf-8',
      ]);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>Channels dashboard</title>');
    }
  });

  it('serves hashed assets with their type, cached for good, and 404 for unknown ones', async () => {
    const res = await fetch(`${base}/dashboard/assets/index-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await fetch(`${base}/dashboard/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: 'dashboard file nope.js not found' },
    });
  });

  it('never answers a file outside its directory or a dotfile', async () => {
    for (const path of [
      '/dashboard/assets/..%2F.env',
      '/dashboard/assets/.env',
      '/dashboard/assets/..%2F..%2Fsecret.txt',
    ]) {
      const res = await fetch(base + path);
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  it('tells the page where the gateways are (config.json)', async () => {
    const res = await fetch(`${base}/dashboard/config.json`);
    expect(await res.json()).toEqual({ gatewayURL: 'https://rt.example.com' });
  });

  it('says how to build the dashboard when it is not built', async () => {
    const empty = await serve(join(dir, 'missing'));
    try {
      const res = await fetch(`${empty.base}/dashboard/`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain('npm run build');
    } finally {
      await empty.app.close();
    }
  });
});

describe('dashboard settings', () => {
  const env = { DATABASE_URL: 'postgresql://x/y', REDIS_URL: 'redis://x', JWT_SECRET: 'x'.repeat(32) };

  it('default to the built dashboard beside the admin-api bundle and the page origin for gateways', () => {
    const c = adminApiEnvSchema.parse(env);
    expect(c.DASHBOARD_DIR).toBe(join(__dirname, '..', '..', 'dashboard'));
    expect(c.DASHBOARD_GATEWAY_URL).toBe('');
  });

  it('refuse a gateway address that is not an http(s) URL', () => {
    const r = adminApiEnvSchema.safeParse({ ...env, DASHBOARD_GATEWAY_URL: 'rt.example.com' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('must be an http(s) URL or empty');
  });
});
