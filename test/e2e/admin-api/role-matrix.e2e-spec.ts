import { Stack } from '@channels/testing';
import { errorShape, Http } from './support/http';

type Who = 'superAdmin' | 'admin' | 'otherAdmin' | 'client' | 'none';
const WHO: Who[] = ['superAdmin', 'admin', 'otherAdmin', 'client', 'none'];

interface Req {
  method: string;
  path: string;
  appID?: string;
  body?: unknown;
}
interface Case {
  route: string;
  /** Creates what the request needs; `k` is unique per principal so runs never collide. */
  setup?: (k: string) => Promise<void>;
  req: (k: string) => Req;
  /** Expected status per principal; `none` is always 401. */
  expect: Record<Exclude<Who, 'none'>, number>;
}

/**
 * Every route of both route sets, run as a super admin, an admin of the app, an admin of another
 * app, a client of the app and without a token. The client is not a member of the private channel.
 */
describe('role matrix: every route, every principal', () => {
  const stack = new Stack({ gateways: 0, writers: 1, presences: 0 });
  let http: Http;
  let root: string;
  const app = 'rm';
  const other = 'rm-other';

  const asRoot = async (method: string, path: string, body?: unknown, appID?: string) => {
    const r = await http.request(method, path, { token: root, body, ...(appID ? { appID } : {}) });
    if (r.status >= 300) throw new Error(`setup ${method} ${path} → ${r.status} ${r.text}`);
  };
  const mkClient = (id: string) => asRoot('POST', `/v1/apps/${app}/clients`, { clientID: id });
  const mkChannel = (id: string, extra: object = {}) =>
    asRoot('POST', `/v1/apps/${app}/channels`, { channelID: id, ...extra });
  const publish = { eventType: 'e', payload: 'p' };
  const admins = (ok: number) => ({ superAdmin: ok, admin: ok, otherAdmin: 403, client: 403 });
  const superOnly = (ok: number) => ({ superAdmin: ok, admin: 403, otherAdmin: 403, client: 403 });
  const readers = (ok: number) => ({ superAdmin: ok, admin: ok, otherAdmin: 403, client: ok });

  const cases: Case[] = [
    // ---- original routes ----
    {
      route: 'POST /app',
      req: (k) => ({ method: 'POST', path: '/app', body: { AppID: `new-${k}`, Name: 'n' } }),
      expect: superOnly(200),
    },
    { route: 'GET /app', req: () => ({ method: 'GET', path: '/app' }), expect: superOnly(200) },
    {
      route: 'PUT /app/{appID}',
      req: () => ({ method: 'PUT', path: `/app/${app}`, body: { Name: 'renamed' } }),
      expect: admins(200),
    },
    {
      route: 'DELETE /app/{appID}',
      setup: (k) => asRoot('POST', '/v1/apps', { appID: `del-${k}` }),
      req: (k) => ({ method: 'DELETE', path: `/app/del-${k}` }),
      expect: superOnly(200),
    },
    {
      route: 'POST /client',
      req: (k) => ({ method: 'POST', path: '/client', appID: app, body: { clientID: `oc-${k}` } }),
      expect: admins(200),
    },
    {
      route: 'GET /client',
      req: () => ({ method: 'GET', path: '/client', appID: app }),
      expect: admins(200),
    },
    {
      route: 'GET /client (every app)',
      req: () => ({ method: 'GET', path: '/client' }),
      expect: superOnly(200),
    },
    {
      route: 'PUT /client/{clientID}',
      req: () => ({ method: 'PUT', path: '/client/c1', appID: app, body: { username: 'u' } }),
      expect: admins(200),
    },
    {
      route: 'DELETE /client/{clientID}',
      setup: (k) => mkClient(`odc-${k}`),
      req: (k) => ({ method: 'DELETE', path: `/client/odc-${k}`, appID: app }),
      expect: admins(200),
    },
    {
      route: 'POST /channel',
      req: (k) => ({ method: 'POST', path: '/channel', appID: app, body: { channelID: `och-${k}` } }),
      expect: admins(201),
    },
    {
      route: 'DELETE /channel/{id}',
      setup: (k) => mkChannel(`odel-${k}`),
      req: (k) => ({ method: 'DELETE', path: `/channel/odel-${k}`, appID: app }),
      expect: admins(200),
    },
    {
      route: 'POST /channel/{id}/close',
      req: () => ({ method: 'POST', path: '/channel/toggle/close', appID: app }),
      expect: admins(200),
    },
    {
      route: 'POST /channel/{id}/open',
      req: () => ({ method: 'POST', path: '/channel/toggle/open', appID: app }),
      expect: admins(200),
    },
    {
      route: 'GET /channel/open',
      req: () => ({ method: 'GET', path: '/channel/open', appID: app }),
      expect: readers(200),
    },
    {
      route: 'GET /channel/private',
      req: () => ({ method: 'GET', path: '/channel/private', appID: app }),
      expect: readers(200),
    },
    {
      // Without AppID: a super admin lists every app; a client token lists its own app's channels
      // (the original SDKs list with their token alone).
      route: 'GET /channel/open (no AppID header)',
      req: () => ({ method: 'GET', path: '/channel/open' }),
      expect: { superAdmin: 200, admin: 403, otherAdmin: 403, client: 200 },
    },
    {
      route: 'POST /channel/{id}/join/{clientID}',
      setup: (k) => mkClient(`oj-${k}`),
      req: (k) => ({ method: 'POST', path: `/channel/priv/join/oj-${k}`, appID: app }),
      expect: admins(200),
    },
    {
      route: 'POST /channel/{id}/leave/{clientID}',
      setup: async (k) => {
        await mkClient(`ol-${k}`);
        await asRoot('PUT', `/v1/apps/${app}/channels/priv/members/ol-${k}`);
      },
      req: (k) => ({ method: 'POST', path: `/channel/priv/leave/ol-${k}`, appID: app }),
      expect: admins(200),
    },
    {
      route: 'POST /channel/{id}/publish (open)',
      req: () => ({ method: 'POST', path: '/channel/open/publish', appID: app, body: publish }),
      expect: readers(200),
    },
    {
      route: 'POST /channel/{id}/publish (private)',
      req: () => ({ method: 'POST', path: '/channel/priv/publish', appID: app, body: publish }),
      expect: admins(200),
    },
    {
      route: 'GET /last/{id}/{amount}',
      req: () => ({ method: 'GET', path: '/last/open/5', appID: app }),
      expect: readers(200),
    },
    {
      route: 'GET /last/{id}/{amount} (private)',
      req: () => ({ method: 'GET', path: '/last/priv/5', appID: app }),
      expect: admins(200),
    },
    {
      route: 'GET /last/{id}/{amount}/last/{ts}',
      req: () => ({ method: 'GET', path: '/last/open/5/last/0', appID: app }),
      expect: readers(200),
    },
    {
      route: 'GET /c/{id}/sync/{ts}',
      req: () => ({ method: 'GET', path: '/c/open/sync/0', appID: app }),
      expect: readers(200),
    },
    {
      route: 'GET /c/{id}/sync/{ts} (private)',
      req: () => ({ method: 'GET', path: '/c/priv/sync/0', appID: app }),
      expect: admins(200),
    },
    {
      route: 'GET /sync/{id}/{from}/to/{to}',
      req: () => ({ method: 'GET', path: '/sync/open/0/to/99999999999', appID: app }),
      expect: readers(200),
    },

    // ---- /v1 ----
    {
      route: 'GET /v1/apps',
      req: () => ({ method: 'GET', path: '/v1/apps' }),
      expect: { superAdmin: 200, admin: 200, otherAdmin: 200, client: 403 },
    },
    {
      route: 'POST /v1/apps',
      req: (k) => ({ method: 'POST', path: '/v1/apps', body: { appID: `v-${k}` } }),
      expect: superOnly(201),
    },
    {
      route: 'GET /v1/apps/{appID}',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}` }),
      expect: admins(200),
    },
    {
      route: 'POST /v1/apps/{appID}/api-secret',
      req: () => ({ method: 'POST', path: `/v1/apps/${app}/api-secret` }),
      expect: admins(200),
    },
    {
      route: 'PATCH /v1/apps/{appID}',
      req: () => ({ method: 'PATCH', path: `/v1/apps/${app}`, body: { name: 'n' } }),
      expect: admins(200),
    },
    {
      route: 'DELETE /v1/apps/{appID}',
      setup: (k) => asRoot('POST', '/v1/apps', { appID: `vdel-${k}` }),
      req: (k) => ({ method: 'DELETE', path: `/v1/apps/vdel-${k}` }),
      expect: superOnly(204),
    },
    {
      route: 'GET clients',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/clients` }),
      expect: admins(200),
    },
    {
      route: 'POST clients',
      req: (k) => ({ method: 'POST', path: `/v1/apps/${app}/clients`, body: { clientID: `vc-${k}` } }),
      expect: admins(201),
    },
    {
      route: 'GET client',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/clients/c1` }),
      expect: admins(200),
    },
    {
      route: 'PATCH client',
      req: () => ({ method: 'PATCH', path: `/v1/apps/${app}/clients/c1`, body: { extra: 'x' } }),
      expect: admins(200),
    },
    {
      route: 'DELETE client',
      setup: (k) => mkClient(`vdc-${k}`),
      req: (k) => ({ method: 'DELETE', path: `/v1/apps/${app}/clients/vdc-${k}` }),
      expect: admins(204),
    },
    {
      route: 'GET client channels',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/clients/c1/channels` }),
      expect: admins(200),
    },
    {
      route: 'POST disconnect',
      req: () => ({ method: 'POST', path: `/v1/apps/${app}/clients/c1/disconnect` }),
      expect: admins(200),
    },
    {
      route: 'POST unsubscribe',
      req: () => ({
        method: 'POST',
        path: `/v1/apps/${app}/clients/c1/unsubscribe`,
        body: { channelID: 'open' },
      }),
      expect: admins(200),
    },
    {
      route: 'GET channels',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/channels` }),
      expect: admins(200),
    },
    {
      route: 'POST channels',
      req: (k) => ({ method: 'POST', path: `/v1/apps/${app}/channels`, body: { channelID: `vch-${k}` } }),
      expect: admins(201),
    },
    {
      route: 'GET channel',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/channels/open` }),
      expect: admins(200),
    },
    {
      route: 'PATCH channel',
      req: () => ({ method: 'PATCH', path: `/v1/apps/${app}/channels/open`, body: { extra: 'e' } }),
      expect: admins(200),
    },
    {
      route: 'DELETE channel',
      setup: (k) => mkChannel(`vdel-${k}`),
      req: (k) => ({ method: 'DELETE', path: `/v1/apps/${app}/channels/vdel-${k}` }),
      expect: admins(204),
    },
    {
      route: 'POST close',
      req: () => ({ method: 'POST', path: `/v1/apps/${app}/channels/toggle/close` }),
      expect: admins(200),
    },
    {
      route: 'POST open',
      req: () => ({ method: 'POST', path: `/v1/apps/${app}/channels/toggle/open` }),
      expect: admins(200),
    },
    {
      route: 'GET members',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/channels/priv/members` }),
      expect: admins(200),
    },
    {
      route: 'PUT member',
      setup: (k) => mkClient(`vm-${k}`),
      req: (k) => ({ method: 'PUT', path: `/v1/apps/${app}/channels/priv/members/vm-${k}` }),
      expect: admins(201),
    },
    {
      route: 'DELETE member',
      setup: async (k) => {
        await mkClient(`vdm-${k}`);
        await asRoot('PUT', `/v1/apps/${app}/channels/priv/members/vdm-${k}`);
      },
      req: (k) => ({ method: 'DELETE', path: `/v1/apps/${app}/channels/priv/members/vdm-${k}` }),
      expect: admins(204),
    },
    {
      // Clients publish over HTTP under the socket rules (protocol §5.2).
      route: 'POST events',
      req: () => ({ method: 'POST', path: `/v1/apps/${app}/channels/open/events`, body: publish }),
      expect: readers(201),
    },
    {
      route: 'GET events',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/channels/open/events` }),
      expect: admins(200),
    },
    {
      route: 'POST broadcast',
      req: () => ({
        method: 'POST',
        path: `/v1/apps/${app}/broadcast`,
        body: { channels: ['open'], ...publish },
      }),
      expect: admins(200),
    },
    {
      route: 'GET presence',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/channels/priv/presence` }),
      expect: admins(200),
    },
    {
      route: 'GET active-channels',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/active-channels` }),
      expect: admins(200),
    },
    {
      route: 'GET app stats',
      req: () => ({ method: 'GET', path: `/v1/apps/${app}/stats` }),
      expect: admins(200),
    },
    { route: 'GET /v1/stats', req: () => ({ method: 'GET', path: '/v1/stats' }), expect: superOnly(200) },
  ];

  let tokens: Record<Exclude<Who, 'none'>, string>;

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    root = stack.superAdminToken();
    tokens = {
      superAdmin: root,
      admin: stack.adminToken(app),
      otherAdmin: stack.adminToken(other),
      client: stack.clientToken(app, 'c1'),
    };
    await asRoot('POST', '/v1/apps', { appID: app });
    await asRoot('POST', '/v1/apps', { appID: other });
    await mkClient('c1');
    await mkChannel('open', { persistent: true });
    await mkChannel('priv', { persistent: true, private: true, presence: true });
    await mkChannel('toggle');
  }, 60_000);
  afterAll(() => stack.stop());

  it.each(cases.map((c) => [c.route, c] as const))('%s', async (_route, c) => {
    const got: Record<string, number> = {};
    const want: Record<string, number> = { ...c.expect, none: 401 };
    for (const [i, who] of WHO.entries()) {
      const k = `${i}`;
      await c.setup?.(k);
      const r = c.req(k);
      const res = await http.request(r.method, r.path, {
        ...(who === 'none' ? {} : { token: tokens[who] }),
        ...(r.appID ? { appID: r.appID } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
      });
      got[who] = res.status;
      if (res.status >= 400)
        expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      if (res.status === 401) expect(res.body).toEqual(errorShape('unauthorized'));
      if (res.status === 403) expect(res.body).toEqual(errorShape('forbidden'));
    }
    expect(got).toEqual(want);
  });

  it('POST /v1/batch: any valid token may call it; each command is authorised on its own', async () => {
    const body = {
      commands: [
        { method: 'stats', params: { appID: app } },
        { method: 'presence', params: { appID: app, channelID: 'priv' } },
      ],
    };
    for (const who of WHO) {
      const r = await http.post<{ results: { ok: boolean; error?: { code: string } }[] }>('/v1/batch', {
        ...(who === 'none' ? {} : { token: tokens[who] }),
        body,
      });
      if (who === 'none') {
        expect(r.status).toBe(401);
        continue;
      }
      expect(r.status).toBe(200);
      const allowed = who === 'superAdmin' || who === 'admin';
      for (const res of r.body.results) {
        expect(res.ok).toBe(allowed);
        if (!allowed) expect(res.error?.code).toBe('forbidden');
      }
    }
  });

  it('docs are public', async () => {
    for (const who of WHO) {
      const headers = who === 'none' ? {} : { token: tokens[who] };
      expect((await http.get('/v1/openapi.json', headers)).status).toBe(200);
      expect((await http.get('/v1/docs', headers)).status).toBe(200);
    }
  });

  it('expired tokens, foreign signatures and the none algorithm are refused (401)', async () => {
    const { signToken } = await import('@channels/auth');
    const expired = signToken(
      'e2e-secret-0123456789',
      { Role: 'Super_Admin', ClientID: 'root' },
      { expiresInSeconds: -10 },
    );
    const foreign = signToken('some-other-secret-123', { Role: 'Super_Admin', ClientID: 'root' });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ Role: 'Super_Admin', ClientID: 'root' })).toString(
      'base64url',
    );
    for (const token of [expired, foreign, `${header}.${claims}.`, 'garbage']) {
      const r = await http.get('/app', { token });
      expect(r.status).toBe(401);
      expect(r.body).toEqual(errorShape('unauthorized'));
    }
  });

  it('nothing crosses apps: the same ids in two apps stay separate', async () => {
    const a = stack.adminToken(app);
    const b = stack.adminToken(other);
    await http.post(`/v1/apps/${other}/channels`, {
      token: b,
      body: { channelID: 'open', persistent: true },
    });
    await http.post(`/v1/apps/${other}/channels/open/events`, {
      token: b,
      body: { eventType: 'mine', payload: 'b only' },
    });
    const fromA = await http.get<{ events: { payload: unknown }[] }>(
      `/v1/apps/${app}/channels/open/events?limit=1000`,
      { token: a },
    );
    expect(fromA.body.events.map((e) => e.payload)).not.toContain('b only');
    const fromB = await http.get<{ events: { payload: unknown }[] }>(
      `/v1/apps/${other}/channels/open/events`,
      { token: b },
    );
    expect(fromB.body.events.map((e) => e.payload)).toEqual(['b only']);
    // Admin A naming app B in the header, the path or a batch gets nothing of B.
    expect((await http.get('/last/open/5', { token: a, appID: other })).status).toBe(403);
    expect((await http.get(`/v1/apps/${other}/channels/open/events`, { token: a })).status).toBe(403);
    expect(
      (await http.get<{ apps: { appID: string }[] }>('/v1/apps', { token: a })).body.apps.map((x) => x.appID),
    ).toEqual([app]);
  });
});
