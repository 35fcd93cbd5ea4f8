import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually,
  Fixtures,
  launchChromium,
  REPO_ROOT,
  Stack,
  startFrontDoor,
  type FrontDoor,
} from '@channels/testing';
import type { Browser, Page } from 'playwright-core';

interface DemoSite {
  writeDemoSite(outDir: string, config: unknown): string;
}
// @ts-expect-error -- plain .mjs tool without type declarations; DemoSite above is its shape.
const loadSite = (): Promise<DemoSite> => import('../../../tools/demo-chat/site.mjs') as Promise<DemoSite>;

/**
 * The demo chat of `npm start` (tools/demo-chat, on the SDK's browser bundle) as a person uses it
 * in Chromium: pick a user, see who is online, send and receive, lose a gateway to kill -9 and
 * carry on without losing or repeating a message, reload and find the history.
 */
describe('the demo chat carries on through a killed gateway', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1 });
  const demoDir = join(REPO_ROOT, 'tmp', `demo-${stack.runId}`);
  let fx: Fixtures;
  let frontDoor: FrontDoor | undefined;
  let browser: Browser | undefined;
  const pageAt = async (path: string): Promise<Page> => {
    if (!browser || !frontDoor) throw new Error('the stack did not start');
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${frontDoor.url}${path}`);
    return page;
  };

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app('demo');
    await fx.client('demo', 'alice', 'Alice');
    await fx.client('demo', 'bob', 'Bob');
    await fx.channel('demo', 'general', { persistent: true, presence: true });
    (await loadSite()).writeDemoSite(demoDir, {
      appID: 'demo',
      channelID: 'general',
      users: [
        { clientID: 'alice', name: 'Alice', token: stack.clientToken('demo', 'alice') },
        { clientID: 'bob', name: 'Bob', token: stack.clientToken('demo', 'bob') },
      ],
    });
    frontDoor = await startFrontDoor(stack, { demoDir });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    frontDoor?.stop();
    await fx?.close();
    await stack.stop();
    rmSync(demoDir, { recursive: true, force: true });
  });

  const texts = (page: Page) => page.locator('#messages li .text').allTextContents();
  const online = (page: Page) =>
    page.getByRole('list', { name: 'Online users' }).locator('li').allTextContents();
  const state = (page: Page) => page.getByRole('status').textContent();
  const send = async (page: Page, text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };

  it('lets two users chat, survive a killed gateway, and keep the history across a reload', async () => {
    const alice = await pageAt('/demo');
    await alice.getByRole('button', { name: 'Join as Alice' }).click();
    await eventually(async () => (await state(alice)) === 'connected', 'alice connected', 15_000);
    const bob = await pageAt('/demo/?as=bob');
    await eventually(async () => (await state(bob)) === 'connected', 'bob connected', 15_000);

    // Presence: each sees the other online.
    await eventually(async () => (await online(alice)).includes('Bob'), 'alice sees bob online', 15_000);
    expect(await online(bob)).toEqual(['Alice', 'Bob (you)']);

    await send(alice, 'hello from alice');
    await eventually(async () => (await texts(bob)).includes('hello from alice'), 'bob receives it');

    // One of the two gateways dies; round-robin put one page on each.
    stack.kill9(stack.all('gateway')[0]);
    await send(alice, 'said while a gateway died');
    await send(bob, 'bob answers');
    const all = ['hello from alice', 'said while a gateway died', 'bob answers'];
    for (const page of [alice, bob])
      await eventually(
        async () => (await texts(page)).length === 3 && (await state(page)) === 'connected',
        'every message on both pages',
        20_000,
      );
    // Once each (the pages order by offset; the two later messages raced each other).
    for (const page of [alice, bob]) expect([...(await texts(page))].sort()).toEqual([...all].sort());
    expect(await texts(alice)).toEqual(await texts(bob));
    const log = await alice.getByRole('list', { name: 'Connection log' }).textContent();
    const bobLog = await bob.getByRole('list', { name: 'Connection log' }).textContent();
    expect(`${log}${bobLog}`).toMatch(/connection lost/);

    // A reload keeps the conversation (history), as the same user.
    const before = await texts(bob);
    await bob.reload();
    await eventually(async () => (await texts(bob)).length === 3, 'history after the reload', 15_000);
    expect(await texts(bob)).toEqual(before);
    expect(await bob.getByText('Signed in as').textContent()).toContain('Bob');
    expect((await fx.storedEvents('demo', 'general')).length).toBe(3);
  });
});
