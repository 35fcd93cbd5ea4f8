import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { Receiver } from '../webhooks/support/receiver';
import { WEBHOOK_TEST_ENV } from '../webhooks/support/webhooks-stack';

/**
 * The app's backend answering subscribe hooks on loopback: channels `game:secret…` are refused with
 * a reason, everything else is allowed. `asked` records the channels it was asked about.
 */
async function startHookBackend(): Promise<{ url: string; asked: string[]; server: Server }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { hook: string; channelID?: string };
      asked.push(body.channelID ?? body.hook);
      const deny = body.channelID?.startsWith('game:secret');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(deny ? { allow: false, reason: 'secret games are closed' } : { allow: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, asked, server };
}

/**
 * An operator runs a tenant from the dashboard alone, in Debian's Chromium, through the
 * deployment's one address (the front door: admin-api serves the page and /v1, the gateways the
 * live views): signs in as super admin, creates an app, a client and a channel, adds the client as a
 * member, watches it come online, publishes and sees the event in the live tail and the history;
 * sets up a namespace whose channels exist on first use, backend hooks that refuse a subscribe, and
 * webhooks to a receiver on loopback (delivered, failed for good, retried); then an admin of the app
 * signs in and sees only its app. `UPDATE_SCREENSHOTS=1` also writes the
 * pages' screenshots of docs/dashboard.md (docs/images/dashboard-*.png).
 */
describe('an operator runs a tenant from the dashboard', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 1,
    webhooks: 1,
    // Short webhook timings: a delivery fails for good after ~5 s of failed attempts.
    env: { STATS_INTERVAL_MS: '1000', ...WEBHOOK_TEST_ENV },
  });
  const app = 'shop';
  const screenshots = process.env['UPDATE_SCREENSHOTS'] === '1';
  const shotDir = screenshots ? join(REPO_ROOT, 'docs/images') : join(REPO_ROOT, 'tmp/e2e-screenshots');
  let frontDoor: FrontDoor | undefined;
  let browser: Browser;
  let page: Page;
  let alice: Socket | undefined;
  let base = '';
  const receiver = new Receiver();
  let hookBackend: Awaited<ReturnType<typeof startHookBackend>> | undefined;
  const http = () => new Http(stack.adminUrl);

  /** Waits until `locator` is visible (the page's own time to fetch and render). */
  const visible = async (locator: Locator, timeout = 15_000) => {
    await locator.first().waitFor({ state: 'visible', timeout });
    return locator.first();
  };
  /**
   * A screenshot of the page as it is, without the passing notifications; transitions (a drawer
   * sliding in) are run to their end first. `fullPage`: the whole page, not only the viewport.
   */
  const shot = async (name: string, fullPage = false) => {
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.screenshot({
      path: join(shotDir, `dashboard-${name}.png`),
      style: '.mantine-Notifications-root { display: none !important; }',
      animations: 'disabled',
      fullPage,
    });
  };
  const dialog = (name: string) => page.getByRole('dialog', { name });
  /** A segment of a segmented control (its radio input is visually hidden; its label is what one clicks). */
  const segment = (name: string) => page.locator('label').filter({ hasText: new RegExp(`^${name}$`) });
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
    await Promise.all([stack.start(), receiver.up()]);
    hookBackend = await startHookBackend();
    frontDoor = await startFrontDoor(stack, { adminApi: true });
    base = frontDoor.url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
  }, 120_000);

  afterAll(async () => {
    alice?.close();
    await browser?.close();
    frontDoor?.stop();
    await receiver.down();
    hookBackend?.server.close();
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
    await form.getByRole('switch', { name: /^Private/ }).check();
    await form.getByRole('switch', { name: /^Presence/ }).check();
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

  it('creates a namespace with auto-create; a channel of it appears once a client subscribes', async () => {
    await nav('Namespaces').click();
    await visible(page.getByText('No namespaces yet'));
    await page.getByRole('button', { name: 'Create namespace' }).first().click();
    const form = dialog('Create a namespace');
    await form.getByRole('textbox', { name: 'Name' }).fill('game');
    expect(await form.getByRole('switch', { name: /^Auto-create/ }).isChecked()).toBe(true);
    await form.getByRole('switch', { name: /^Persistent/ }).check();
    await form.getByRole('switch', { name: /^Presence/ }).check();
    await form.getByRole('button', { name: 'Create namespace' }).click();
    const row = await visible(
      page.getByRole('table', { name: 'Namespaces' }).getByRole('row').filter({ hasText: 'game' }),
    );
    expect(await row.getByText('auto-create', { exact: true }).count()).toBe(1);

    const token = stack.adminToken(app);
    expect((await http().get(`/v1/apps/${app}/channels/game%3A42`, { token })).status).toBe(404);
    const ack = await call<{ ok: boolean; results: Record<string, { ok: boolean }> }>(
      alice as Socket,
      'subscribe',
      {
        channels: ['game:42'],
      },
    );
    expect(ack.results['game:42']?.ok).toBe(true);
    await row.getByRole('link', { name: 'Channels of game' }).click();
    const link = await visible(page.getByRole('link', { name: 'game:42', exact: true }));
    const channelRow = page.getByRole('table', { name: 'Channels' }).getByRole('row').filter({ has: link });
    expect(await channelRow.getByText('auto-created').count()).toBe(1);
    await nav('Namespaces').click();
    await visible(page.getByRole('table', { name: 'Namespaces' }));
    await shot('namespaces');
  });

  it('edits the namespace and its auto-created channel follows at once', async () => {
    await page.getByRole('button', { name: 'Edit namespace game' }).click();
    const form = dialog('Edit namespace game');
    await visible(form.getByText('Its channels follow at once'));
    await form.getByRole('textbox', { name: /History size/ }).fill('100');
    await form.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByText('newest 100 events, deployment default age'));
    const channel = await http().get<{ historySize: number | null; autoCreated: boolean }>(
      `/v1/apps/${app}/channels/game%3A42`,
      { token: stack.adminToken(app) },
    );
    expect(channel.body).toMatchObject({ historySize: 100, autoCreated: true });
    await page.goto(`${base}/dashboard/apps/${app}/channels/game%3A42`);
    await visible(page.getByText(/history: newest 100 events/));
    await visible(page.getByText(/Made on first use; follows namespace/));
  });

  it('sets backend hooks: a refused subscribe gets the reason; removing them asks nothing', async () => {
    const backend = hookBackend as NonNullable<typeof hookBackend>;
    await nav('Hooks').click();
    const form = await visible(page.getByRole('form', { name: 'App hooks' }));
    await form.getByRole('textbox', { name: /Subscribe URL/ }).fill(backend.url);
    await form.getByRole('textbox', { name: /Timeout/ }).fill('10');
    await form.getByRole('button', { name: 'Save hooks' }).click();
    // Refused by admin-api: its message under the field.
    await visible(form.getByText('must be at least 50'));
    await form.getByRole('textbox', { name: /Timeout/ }).fill('1500');
    await form.getByRole('button', { name: 'Save hooks' }).click();
    await eventually(
      async () => (await form.getByLabel('Hooks set').textContent()) === 'subscribe',
      'hooks saved',
    );
    const saved = await http().get<{ hooks: unknown }>(`/v1/apps/${app}/hooks`, {
      token: stack.adminToken(app),
    });
    expect(saved.body.hooks).toEqual({ subscribe: { url: backend.url }, timeoutMs: 1500, onFailure: 'deny' });
    await shot('hooks');

    type Ack = { results: Record<string, { ok: boolean; error?: { code: string; message: string } }> };
    const refused = await call<Ack>(alice as Socket, 'subscribe', {
      channels: ['game:secret1', 'game:open1'],
    });
    expect(refused.results['game:secret1']).toEqual({
      ok: false,
      error: { code: 'denied', message: 'secret games are closed' },
    });
    expect(refused.results['game:open1']?.ok).toBe(true);
    expect(backend.asked).toEqual(expect.arrayContaining(['game:secret1', 'game:open1']));

    await form.getByRole('button', { name: 'Remove hooks' }).click();
    await dialog('Remove the hooks?').getByRole('button', { name: 'Remove hooks' }).click();
    await eventually(
      async () => (await form.getByLabel('Hooks set').textContent()) === 'none',
      'hooks removed',
    );
    const asked = backend.asked.length;
    const allowed = await call<Ack>(alice as Socket, 'subscribe', { channels: ['game:secret2'] });
    expect(allowed.results['game:secret2']?.ok).toBe(true);
    expect(backend.asked).toHaveLength(asked);
  });

  it('sends webhooks to a receiver: a member_added is listed as delivered, with its attempt', async () => {
    const token = stack.adminToken(app);
    await nav('Webhooks').click();
    const form = await visible(page.getByRole('form', { name: 'Webhook settings' }));
    await visible(page.getByText(/Webhooks are off\. Set a URL/));
    await form.getByRole('textbox', { name: 'Webhook URL' }).fill(receiver.url);
    for (const t of [
      'channel_occupied',
      'channel_vacated',
      'member_removed',
      'client_online',
      'client_offline',
    ])
      await form.getByRole('checkbox', { name: new RegExp(`^${t}`) }).uncheck();
    await form.getByRole('button', { name: 'Turn webhooks on' }).click();
    await eventually(
      async () => (await form.getByLabel('Webhooks are').textContent()) === 'on',
      'webhooks on',
    );

    expect((await http().post(`/v1/apps/${app}/clients`, { token, body: { clientID: 'bob' } })).status).toBe(
      201,
    );
    expect((await http().put(`/v1/apps/${app}/channels/room/members/bob`, { token })).status).toBe(201);
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    const bobRow = deliveries.getByRole('row').filter({ hasText: 'bob' });
    await visible(bobRow.getByText('delivered', { exact: true }), 20_000);
    expect(await bobRow.getByText('member_added').count()).toBe(1);
    expect(await bobRow.getByText('1 attempt', { exact: true }).count()).toBe(1);
    expect(receiver.delivered.map((b) => [b.type, b.clientID])).toEqual([['member_added', 'bob']]);
    await shot('webhooks', true);
  });

  it('lists a webhook the receiver keeps refusing as failed, with every attempt, and retries it', async () => {
    const token = stack.adminToken(app);
    receiver.answer = () => 500;
    expect(
      (await http().post(`/v1/apps/${app}/clients`, { token, body: { clientID: 'carol' } })).status,
    ).toBe(201);
    expect((await http().put(`/v1/apps/${app}/channels/room/members/carol`, { token })).status).toBe(201);
    await segment('Failed').click();
    expect(await page.getByRole('radio', { name: 'Failed' }).isChecked()).toBe(true);
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    const carolRow = deliveries.getByRole('row').filter({ hasText: 'carol' });
    // 6 attempts over ~5 s, then the list's next read (every 5 s).
    await visible(carolRow.getByText('failed', { exact: true }), 30_000);
    expect(await carolRow.getByText('6 attempts').count()).toBe(1);
    expect(await carolRow.getByText(/last: answered HTTP 500/).count()).toBe(1);
    await carolRow.getByRole('button', { name: /^Details of delivery/ }).click();
    const drawer = await visible(page.getByRole('dialog', { name: /^Delivery member_added #/ }));
    expect(await drawer.getByRole('table', { name: 'Attempts' }).getByRole('row').count()).toBe(7);
    await shot('webhook-delivery');
    await page.keyboard.press('Escape');

    receiver.answer = () => 204;
    await carolRow.getByRole('button', { name: /^Retry delivery/ }).click();
    await segment('All').click();
    await visible(
      deliveries.getByRole('row').filter({ hasText: 'carol' }).getByText('delivered', { exact: true }),
      20_000,
    );
    const carol = receiver.received.filter((r) => r.body.clientID === 'carol');
    expect(carol.map((r) => r.answered)).toEqual([500, 500, 500, 500, 500, 500, 204]);
    expect(new Set(carol.map((r) => r.body.id)).size).toBe(1);
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
    for (const [section, heading] of [
      ['namespaces', 'Namespaces'],
      ['hooks', 'Hooks'],
      ['webhooks', 'Webhooks'],
    ]) {
      await nav(heading).click();
      await visible(page.getByRole('heading', { name: heading, level: 1 }));
      await page.waitForLoadState('networkidle').catch(() => undefined);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      // Which page is too wide, if one is.
      expect([section, width <= 820]).toEqual([section, true]);
    }

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
