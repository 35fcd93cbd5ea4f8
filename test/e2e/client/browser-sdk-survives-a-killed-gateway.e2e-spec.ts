import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ChannelsClient, type PublishResult } from '@channels/client';
import {
  eventually,
  Fixtures,
  freePort,
  launchChromium,
  REPO_ROOT,
  sleep,
  Stack,
  startFrontDoor,
  type FrontDoor,
} from '@channels/testing';
import type { Browser, Page } from 'playwright-core';

const BUNDLE = join(REPO_ROOT, 'dist/libs/client/browser/channels-client.global.js');

interface PageState {
  got: { id: string; offset: number }[];
  states: string[];
  subscribed: boolean;
  errors: string[];
}

/**
 * The built browser bundle of `@channels/client` in a real Chromium, on a page of its own origin,
 * connected through the front door: its gateway is killed with SIGKILL while the page and a Node
 * SDK client both publish. The page reconnects by itself and sees every event once, in order; every
 * publish acknowledged on either side is stored once.
 */
describe('the SDK in a browser survives a killed gateway', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1 });
  const APP = 'browser-sdk';
  let fx: Fixtures;
  let frontDoor: FrontDoor | undefined;
  let pageServer: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let node: ChannelsClient | undefined;

  const state = () => page.evaluate(() => (globalThis as unknown as { t: PageState }).t);

  beforeAll(async () => {
    if (!existsSync(BUNDLE))
      throw new Error(`${BUNDLE} is missing: build it first (npx nx run client:build)`);
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, 'feed', { persistent: true });
    frontDoor = await startFrontDoor(stack);
    const config = { url: frontDoor.url, appID: APP, token: stack.clientToken(APP, 'in-browser') };
    const html = `<!doctype html><title>sdk</title><script src="/sdk.js"></script><script>
      const t = (window.t = { got: [], states: [], subscribed: false, errors: [] });
      const client = new Channels.ChannelsClient(${JSON.stringify(config)});
      const feed = client.channel('feed');
      client.on('state', (s) => t.states.push(s));
      client.on('error', (e) => t.errors.push(e.code));
      feed.on('event', (e) => t.got.push({ id: e.id, offset: e.offset }));
      feed.on('gap', () => t.errors.push('gap'));
      window.acks = [];
      window.publish = (i) => window.acks.push(feed.publish('from-browser', i));
      client.connect().then(() => feed.subscribe()).then(() => (t.subscribed = true));
    </script>`;
    const bundle = readFileSync(BUNDLE);
    pageServer = createServer((req, res) => {
      if (req.url === '/sdk.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end(html);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => pageServer?.listen(port, '127.0.0.1', resolve));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    pageServer?.close();
    await node?.disconnect();
    frontDoor?.stop();
    await fx?.close();
    await stack.stop();
  });

  const connectionsPerGateway = () =>
    Promise.all(
      stack.all('gateway').map(async (g) => {
        const text = await (await fetch(`${g.url}/metrics`)).text();
        return Number(/^channels_gateway_connections (\S+)$/m.exec(text)?.[1] ?? 0);
      }),
    );

  it('reconnects by itself and misses nothing, publishing exactly once from both sides', async () => {
    await eventually(async () => (await state()).subscribed, 'the page subscribed', 15_000);
    // Only the page is connected yet: the gateway with one connection is its gateway.
    const counts = await connectionsPerGateway();
    const holder = counts.indexOf(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const pageGateway = stack.all('gateway')[holder];

    node = new ChannelsClient({
      url: frontDoor?.url ?? '',
      appID: APP,
      token: stack.clientToken(APP, 'in-node'),
      reconnect: { minDelayMs: 200, maxDelayMs: 2_000 },
    });
    await node.connect();
    const feed = node.channel('feed');
    const acks: Promise<PublishResult>[] = [];
    let stop = false;
    const publishing = (async () => {
      for (let i = 0; !stop; i++) {
        acks.push(feed.publish('from-node', i));
        if (i % 5 === 0)
          await page.evaluate((n) => (globalThis as unknown as { publish(i: number): void }).publish(n), i);
        await sleep(20);
      }
    })();
    await sleep(600);
    stack.kill9(pageGateway);
    await sleep(2_500);
    stop = true;
    await publishing;

    const fromNode = await Promise.all(acks);
    const fromPage = await page.evaluate(() =>
      Promise.all((globalThis as unknown as { acks: Promise<{ id: string; offset: number }>[] }).acks),
    );
    const all = [...fromNode, ...fromPage].sort((a, b) => (a.offset as number) - (b.offset as number));
    expect(new Set(all.map((a) => a.offset)).size).toBe(all.length);
    const lastOffset = all[all.length - 1].offset;
    await eventually(
      async () => (await state()).got.at(-1)?.offset === lastOffset,
      'the page at the last offset',
      20_000,
    );
    const t = await state();
    expect(t.errors).toEqual([]);
    // It lost its connection and came back on its own.
    expect(t.states).toEqual(['connecting', 'connected', 'connecting', 'connected']);
    expect(t.got.map((e) => e.id)).toEqual(all.map((a) => a.id));

    await eventually(
      async () => (await fx.storedEvents(APP, 'feed')).length >= all.length,
      'the writer stored every acked event',
      20_000,
    );
    const stored = await fx.storedEvents(APP, 'feed');
    expect(stored.map((e) => e.id)).toEqual(all.map((a) => a.id));
  });
});
