import { createServer, type Server } from 'node:http';
import {
  eventually,
  freePort,
  launchChromium,
  Stack,
  startFrontDoor,
  type FrontDoor,
} from '@channels/testing';
import type { Browser, Page } from 'playwright-core';
import { Http } from '../admin-api/support/http';

/**
 * A page with no library — the browser's own EventSource — reads a channel through the front door,
 * loses its gateway to kill -9, reconnects by itself with its Last-Event-ID and misses nothing:
 * every event once, in order.
 */
describe('a browser EventSource survives a killed gateway', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1 });
  const app = 'browser';
  let http: Http;
  let admin: string;
  let frontDoor: FrontDoor | undefined;
  let frontDoorUrl = '';
  let pageServer: Server;
  let pageUrl = '';
  let browser: Browser;
  let page: Page;

  const publish = async (payload: string) => {
    const r = await http.post<{ offset: number }>(`/v1/apps/${app}/channels/feed/events`, {
      token: admin,
      body: { eventType: 'msg', payload },
    });
    expect(r.status).toBe(201);
    return r.body.offset;
  };
  const received = () =>
    page.evaluate(() => (globalThis as unknown as { got: { offset: number; payload: string }[] }).got);

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    admin = stack.adminToken(app);
    expect(
      (await http.post('/app', { token: stack.superAdminToken(), body: { AppID: app, Name: 'B' } })).status,
    ).toBe(200);
    expect(
      (
        await http.post('/channel', {
          token: admin,
          appID: app,
          body: { channelID: 'feed', persistent: true },
        })
      ).status,
    ).toBe(201);
    frontDoor = await startFrontDoor(stack);
    frontDoorUrl = frontDoor.url;
    // The page, served from another origin than the stream (as an app's own site would be).
    const stream = `${frontDoorUrl}/sse?channel=feed&appID=${app}&token=${stack.clientToken(app, 'reader')}`;
    const html = `<!doctype html><title>feed</title><script>
      window.got = []; window.errors = 0; window.readies = 0;
      const es = new EventSource(${JSON.stringify(stream)}); window.es = es;
      es.addEventListener('ready', () => window.readies++);
      es.addEventListener('event', (e) => window.got.push(JSON.parse(e.data)));
      es.onerror = () => window.errors++;
    </script>`;
    pageServer = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
    const pagePort = await freePort();
    await new Promise<void>((resolve) => pageServer.listen(pagePort, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${pagePort}/`;
    browser = await launchChromium();
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    pageServer?.close();
    frontDoor?.stop();
    await stack.stop();
  });

  it('resumes by itself after its gateway is killed, without a gap or a duplicate', async () => {
    await page.goto(pageUrl);
    await eventually(
      async () => (await page.evaluate(() => (globalThis as unknown as { readies: number }).readies)) === 1,
      'stream ready',
    );
    const offsets: number[] = [];
    for (let i = 1; i <= 5; i++) offsets.push(await publish(`before-${i}`));
    await eventually(async () => (await received()).length === 5, 'five events in the page');

    // The gateway holding the stream dies.
    const counts = await Promise.all(
      stack.all('gateway').map(async (g) => {
        const text = await (await fetch(`${g.url}/metrics`)).text();
        return Number(
          /^channels_gateway_transport_connections\{transport="sse"\} (\S+)$/m.exec(text)?.[1] ?? 0,
        );
      }),
    );
    const holder = counts.findIndex((n) => n === 1);
    expect(holder).toBeGreaterThanOrEqual(0);
    stack.kill9(stack.all('gateway')[holder]);
    for (let i = 1; i <= 5; i++) offsets.push(await publish(`during-${i}`));

    await eventually(
      async () => (await received()).length >= 10,
      'the missed events after the reconnect',
      20_000,
    ).catch(async (e: unknown) => {
      const state = await page.evaluate(() => {
        const w = globalThis as unknown as { errors: number; readies: number; es: { readyState: number } };
        return { errors: w.errors, readies: w.readies, readyState: w.es.readyState };
      });
      throw new Error(`${String(e)}; page: ${JSON.stringify(state)}`);
    });
    for (let i = 1; i <= 3; i++) offsets.push(await publish(`after-${i}`));
    await eventually(async () => (await received()).length >= 13, 'live events after the reconnect', 10_000);
    const got = await received();
    expect(got.map((e) => e.offset)).toEqual(offsets);
    expect(got.map((e) => e.payload).slice(5, 10)).toEqual([1, 2, 3, 4, 5].map((i) => `during-${i}`));
    expect(await page.evaluate(() => (globalThis as unknown as { readies: number }).readies)).toBe(2);
  });
});
