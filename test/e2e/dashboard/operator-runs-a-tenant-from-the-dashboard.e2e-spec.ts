import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  call,
  connectClient,
  eventually,
  launchChromium,
  REPO_ROOT,
  Stack,
  startFrontDoor,
  type FrontDoor,
} from '@channels/testing';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';

/**
 * An operator runs a tenant from the dashboard alone, in Debian's Chromium, through the
 * deployment's one address (the front door: admin-api serves the page and /v1, the gateways the
 * live views): signs in as super admin, creates an app, a client and a channel, adds the client as a
 * member, watches it come online, publishes and sees the event in the live tail and the history;
 * then an admin of the app signs in and sees only its app. `UPDATE_SCREENSHOTS=1` also writes the
 * pages' screenshots of docs/dashboard.md (docs/images/dashboard-*.png).
 */
describe('an operator runs a tenant from the dashboard', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1, env: { STATS_INTERVAL_MS: '1000' } });
  const app = 'shop';
  const screenshots = process.env['UPDATE_SCREENSHOTS'] === '1';
  const shotDir = screenshots ? join(REPO_ROOT, 'docs/images') : join(REPO_ROOT, 'tmp/e2e-screenshots');
  let frontDoor: FrontDoor | undefined;
  let browser: Browser;
  let page: Page;
  let alice: Socket | undefined;
  let base = '';

  /** Waits until `locator` is visible (the page's own time to fetch and render). */
  const visible = async (locator: Locator, timeout = 15_000) => {
    await locator.first().waitFor({ state: 'visible', timeout });
    return locator.first();
  };
  /** A screenshot of the page as it is, without the passing notifications. */
  const shot = async (name: string) => {
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.screenshot({
      path: join(shotDir, `dashboard-${name}.png`),
      style: '.mantine-Notifications-root { display: none !important; }',
    });
  };
  const dialog = (name: string) => page.getByRole('dialog', { name });
  /** A link of the navigation (the header's "Channels" start-page link aside). */
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  async function signIn(token: string) {
    await page.goto(`${base}/dashboard/`);
    await (await visible(page.getByLabel('Token'))).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    mkdirSync(shotDir, { recursive: true });
    await stack.start();
    frontDoor = await startFrontDoor(stack, { adminApi: true });
    base = frontDoor.url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
  }, 120_000);

  afterAll(async () => {
    alice?.close();
    await browser?.close();
    frontDoor?.stop();
    await stack.stop();
  });

  it('is served by admin-api at /dashboard/ through the one address, client routes included', async () => {
    for (const path of ['/dashboard/', '/dashboard/apps/shop/channels/room']) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
      expect(await res.text()).toContain('<div id="root">');
    }
    expect(await (await fetch(`${base}/dashboard/config.json`)).json()).toEqual({ gatewayURL: '' });
  });

  it('signs a super admin in with a pasted token, kept in the tab session only', async () => {
    await page.goto(`${base}/dashboard/apps`);
    await visible(page.getByRole('heading', { name: 'Channels dashboard' }));
    await shot('sign-in');
    await signIn(stack.superAdminToken());
    await visible(page.getByRole('heading', { name: 'Apps', level: 1 }));
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([1, 0]);
  });

  it('creates an app and opens it', async () => {
    await page.getByRole('button', { name: 'Create app' }).first().click();
    await dialog('Create an app').getByRole('textbox', { name: 'App ID' }).fill(app);
    await dialog('Create an app').getByRole('textbox', { name: 'Name' }).fill('Shop');
    await dialog('Create an app').getByRole('button', { name: 'Create app' }).click();
    await visible(page.getByRole('heading', { name: 'Shop (shop)', level: 1 }));
    await nav('All apps').click();
    await visible(page.getByRole('link', { name: app, exact: true }));
    await shot('apps');
  });

  it('creates a client; a refused id is shown under its field as the API says it', async () => {
    await page.goto(`${base}/dashboard/apps/${app}/clients`);
    await (await visible(page.getByRole('button', { name: 'Create client' }))).click();
    const form = dialog('Create a client');
    await form.getByRole('textbox', { name: 'Client ID' }).fill('x'.repeat(101));
    await form.getByRole('button', { name: 'Create client' }).click();
    await visible(form.getByText('must be at most 100 characters'));
    await form.getByRole('textbox', { name: 'Client ID' }).fill('alice');
    await form.getByRole('textbox', { name: 'Username' }).fill('Alice');
    await form.getByRole('textbox', { name: 'Extra' }).fill('{"plan":"pro"}');
    await form.getByRole('button', { name: 'Create client' }).click();
    await visible(page.getByRole('cell', { name: 'alice' }));
    await shot('clients');
  });

  it('creates a private, persistent presence channel and adds the client as a member', async () => {
    await nav('Channels').click();
    await (await visible(page.getByRole('button', { name: 'Create channel' }))).click();
    const form = dialog('Create a channel');
    await form.getByRole('textbox', { name: 'Channel ID' }).fill('room');
    await form.getByRole('textbox', { name: 'Name' }).fill('Room');
    await form.getByRole('switch', { name: 'Private' }).check();
    await form.getByRole('switch', { name: 'Presence' }).check();
    await form.getByRole('button', { name: 'Create channel' }).click();
    await visible(page.getByRole('heading', { name: 'Room (room)' }));
    await page.getByRole('tab', { name: 'Members' }).click();
    const add = page.getByRole('form', { name: 'Add a member' });
    await add.getByRole('combobox', { name: 'Client ID' }).fill('alice');
    await add.getByRole('button', { name: 'Add member' }).click();
    await visible(page.getByRole('table', { name: 'Members' }).getByRole('cell', { name: 'alice' }));
    const members = await new Http(stack.adminUrl).get<{ members: { clientID: string }[] }>(
      `/v1/apps/${app}/channels/room/members`,
      { token: stack.adminToken(app) },
    );
    expect(members.body.members.map((m) => m.clientID)).toEqual(['alice']);
  });

  it('shows presence change live when the client connects and subscribes', async () => {
    await page.getByRole('tab', { name: 'Live' }).click();
    const status = page.getByRole('status', { name: 'Live connection' });
    await eventually(async () => (await status.textContent()) === 'Live', 'the live view subscribed', 15_000);
    // alice is not online yet (the dashboard's own connection may be listed: it subscribes too).
    const presence = page.getByRole('region', { name: 'Presence' });
    expect(await presence.getByText('alice', { exact: true }).count()).toBe(0);
    ({ socket: alice } = await connectClient(base, { token: stack.clientToken(app, 'alice'), appID: app }));
    const ack = await call<{ ok: boolean }>(alice, 'subscribe', { channels: ['room'] });
    expect(ack.ok).toBe(true);
    const row = await visible(presence.getByRole('listitem').filter({ hasText: 'alice' }));
    await shot('channel-presence');
    expect(await row.getByText('online').count()).toBe(1);
  });

  it('publishes a test event and sees it in the live tail and in the history', async () => {
    await page.getByRole('tab', { name: 'Publish' }).click();
    const form = page.getByRole('form', { name: 'Publish a test event' });
    await form.getByRole('textbox', { name: 'Event type' }).fill('greeting');
    await form.getByRole('textbox', { name: 'Payload' }).fill('{"text":"hello from the e2e"}');
    await form.getByRole('button', { name: 'Publish' }).click();
    await visible(form.getByText('Published'));
    await page.getByRole('tab', { name: 'Live' }).click();
    const tail = page.getByRole('table', { name: 'Live events' });
    await visible(tail.getByText('{"text":"hello from the e2e"}'));
    expect(await tail.getByRole('cell', { name: 'greeting' }).count()).toBe(1);
    await shot('channel-live');

    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const history = page.getByRole('table', { name: 'History' });
    await visible(history.getByText('{"text":"hello from the e2e"}'));
    await shot('channel-history');
  });

  it('pauses the live tail and shows what came meanwhile on resume', async () => {
    await page.getByRole('tab', { name: 'Live' }).click();
    await page.getByRole('button', { name: 'Pause' }).click();
    const ack = await call<{ ok: boolean }>(alice as Socket, 'publish', {
      channelID: 'room',
      eventType: 'chat',
      payload: 'while paused',
    });
    expect(ack.ok).toBe(true);
    await visible(page.getByText('1 new while paused'));
    const tail = page.getByRole('table', { name: 'Live events' });
    expect(await tail.getByText('"while paused"').count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await visible(tail.getByText('"while paused"'));
  });

  it("charts the app's live statistics, events per second per gateway included", async () => {
    const http = new Http(stack.adminUrl);
    for (let i = 0; i < 20; i++)
      await http.post(`/v1/apps/${app}/channels/room/events`, {
        token: stack.adminToken(app),
        body: { eventType: 'burst', payload: i },
      });
    await eventually(
      async () => {
        const s = await http.get<{ gateways: { eventsPerSecond: number }[] }>(`/v1/apps/${app}/stats`, {
          token: stack.adminToken(app),
        });
        return s.body.gateways.some((g) => g.eventsPerSecond > 0);
      },
      'a gateway reports the events it wrote to the app’s connections',
      10_000,
    );
    await nav('Overview').click();
    await eventually(
      async () => (await page.getByRole('status', { name: 'Connections' }).textContent()) === '2',
      'two connections: the dashboard and alice',
      15_000,
    );
    await visible(page.getByRole('img', { name: 'Connections per gateway chart' }), 20_000);
    await visible(page.getByRole('link', { name: 'room', exact: true }));
    await shot('overview');
  });

  it('reveals and rotates the API secret after confirming', async () => {
    await nav('Settings & API secret').click();
    const secret = await visible(page.getByLabel('API secret'));
    const before = await secret.inputValue();
    expect(await secret.getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Reveal or hide the API secret' }).click();
    expect(await secret.getAttribute('type')).toBe('text');
    await shot('settings');
    await page.getByRole('button', { name: 'Rotate' }).click();
    await dialog('Rotate the API secret?').getByRole('button', { name: 'Rotate secret' }).click();
    await eventually(async () => (await secret.inputValue()) !== before, 'the new secret shown');
  });

  it('signs an admin in to its own app only, with no super admin actions', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(stack.adminToken(app, 'ops'));
    await visible(page.getByRole('heading', { name: 'Shop (shop)', level: 1 }));
    expect(await nav('All apps').count()).toBe(0);
    await nav('Settings & API secret').click();
    await visible(page.getByLabel('API secret'));
    expect(await page.getByRole('button', { name: 'Delete app' }).count()).toBe(0);
    await page.goto(`${base}/dashboard/apps/other`);
    await visible(page.getByText('Not your app'));
  });

  it('works at tablet width, and behind a menu button on narrower screens, keyboard included', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${base}/dashboard/apps/${app}/channels`);
    await visible(page.getByRole('link', { name: 'room', exact: true }));
    await visible(nav('Clients'));
    // Nothing wider than the screen: tables scroll inside their own container.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(820);
    await shot('tablet');

    await page.setViewportSize({ width: 600, height: 900 });
    const toggle = await visible(page.getByRole('button', { name: 'Open navigation' }));
    // Closed: off screen and out of the tab order.
    const navigation = page.getByRole('navigation', { name: 'Main' });
    await eventually(async () => {
      const box = await navigation.boundingBox();
      return box !== null && box.x + box.width <= 0;
    }, 'the navigation slid off screen');
    expect(await navigation.getAttribute('inert')).not.toBeNull();
    await toggle.focus();
    await page.keyboard.press('Enter');
    await visible(nav('Clients'));
    expect(await navigation.getAttribute('inert')).toBeNull();
    await nav('Clients').focus();
    await page.keyboard.press('Enter');
    await visible(page.getByRole('cell', { name: 'alice' }));
  });
});
