import { readFile } from 'node:fs/promises';
import { Stack } from '@channels/testing';
import { errorShape, Http } from './support/http';

const BODY_LIMIT = 64 * 1024;
const PAYLOAD_LIMIT = 4 * 1024;

/** Bad input on every route answers 4xx with the protocol's error shape — never a 500. */
describe('bad input', () => {
  const stack = new Stack({
    gateways: 0,
    writers: 1,
    presences: 0,
    serviceEnv: {
      'admin-api': {
        ADMIN_API_BODY_LIMIT_BYTES: String(BODY_LIMIT),
        MAX_PAYLOAD_BYTES: String(PAYLOAD_LIMIT),
      },
    },
  });
  let http: Http;
  let root: string;
  const app = 'bad';

  /** Every route that takes a JSON body, with the app header where the route needs it. */
  const bodyRoutes: { method: string; path: string; appID?: string }[] = [
    { method: 'POST', path: '/app' },
    { method: 'PUT', path: `/app/${app}` },
    { method: 'POST', path: '/client', appID: app },
    { method: 'PUT', path: '/client/c1', appID: app },
    { method: 'POST', path: '/channel', appID: app },
    { method: 'POST', path: '/channel/ch/publish', appID: app },
    { method: 'POST', path: '/v1/apps' },
    { method: 'PATCH', path: `/v1/apps/${app}` },
    { method: 'POST', path: `/v1/apps/${app}/clients` },
    { method: 'PATCH', path: `/v1/apps/${app}/clients/c1` },
    { method: 'POST', path: `/v1/apps/${app}/clients/c1/unsubscribe` },
    { method: 'POST', path: `/v1/apps/${app}/channels` },
    { method: 'PATCH', path: `/v1/apps/${app}/channels/ch` },
    { method: 'POST', path: `/v1/apps/${app}/channels/ch/events` },
    { method: 'POST', path: `/v1/apps/${app}/broadcast` },
    { method: 'POST', path: '/v1/batch' },
  ];

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    root = stack.superAdminToken();
    await http.post('/v1/apps', { token: root, body: { appID: app } });
    await http.post(`/v1/apps/${app}/clients`, { token: root, body: { clientID: 'c1' } });
    await http.post(`/v1/apps/${app}/channels`, { token: root, body: { channelID: 'ch', persistent: true } });
  }, 60_000);
  afterAll(() => stack.stop());

  const send = (method: string, path: string, o: Parameters<Http['request']>[2] = {}) =>
    http.request(method, path, { token: root, ...o });

  it.each(bodyRoutes)(
    '$method $path: malformed JSON → 400, oversize body → 413',
    async ({ method, path, appID }) => {
      const malformed = await send(method, path, { raw: '{"name": ', ...(appID ? { appID } : {}) });
      expect({ status: malformed.status, body: malformed.body }).toEqual({
        status: 400,
        body: errorShape('bad_request'),
      });
      const huge = await send(method, path, {
        raw: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT + 10) }),
        ...(appID ? { appID } : {}),
      });
      expect({ status: huge.status, body: huge.body }).toEqual({
        status: 413,
        body: errorShape('payload_too_large'),
      });
    },
  );

  it.each(bodyRoutes)(
    '$method $path: wrong-typed body → 400 naming the problem',
    async ({ method, path, appID }) => {
      for (const body of [
        [1, 2],
        'text',
        42,
        {
          name: 5,
          Name: 5,
          username: 5,
          channelID: 5,
          clientID: 5,
          AppID: 5,
          appID: 5,
          eventType: 5,
          channels: 'x',
          commands: 'x',
          isClosed: 'yes',
          payload: undefined,
        },
      ]) {
        const r = await send(method, path, { body, ...(appID ? { appID } : {}) });
        // PATCH/PUT with only optional fields may accept some of these; none may fail with a 5xx.
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) expect(r.body).toEqual(errorShape('bad_request'));
      }
    },
  );

  it('names the missing or wrong field', async () => {
    const cases: [string, string, unknown, RegExp, string?][] = [
      ['POST', '/app', {}, /AppID/],
      ['POST', '/client', { username: 'x' }, /clientID/, app],
      ['POST', '/channel', { channelID: 'has space' }, /channelID/, app],
      ['POST', '/channel/ch/publish', { payload: 'x' }, /eventType/, app],
      ['POST', '/channel/ch/publish', { eventType: 'x' }, /payload/, app],
      ['POST', `/v1/apps/${app}/channels`, { channelID: 'ok', persistent: 'yes' }, /persistent/],
      ['POST', `/v1/apps/${app}/clients`, { clientID: 'x'.repeat(101) }, /clientID/],
      ['POST', `/v1/apps/${app}/broadcast`, { channels: [], eventType: 'e', payload: 1 }, /channels/],
      ['POST', `/v1/apps/${app}/channels/ch/events`, { eventType: 'x'.repeat(51), payload: 1 }, /eventType/],
    ];
    for (const [method, path, body, field, appID] of cases) {
      const r = await send(method, path, { body, ...(appID ? { appID } : {}) });
      expect(r.status).toBe(400);
      expect((r.body as { error: { message: string } }).error.message).toMatch(field);
    }
  });

  it('refuses an event payload over the limit with 413 payload_too_large', async () => {
    const payload = 'x'.repeat(PAYLOAD_LIMIT + 1);
    for (const [path, appID] of [
      ['/channel/ch/publish', app],
      [`/v1/apps/${app}/channels/ch/events`, undefined],
    ] as const) {
      const r = await send('POST', path, { body: { eventType: 'e', payload }, ...(appID ? { appID } : {}) });
      expect({ status: r.status, body: r.body }).toEqual({
        status: 413,
        body: errorShape('payload_too_large'),
      });
    }
  });

  it('refuses bad ids in paths and headers with 400', async () => {
    const long = 'x'.repeat(151);
    const cases: [string, string, string?][] = [
      ['GET', `/v1/apps/${long}`],
      ['GET', `/v1/apps/${app}/channels/bad%20id`],
      ['GET', `/v1/apps/${app}/channels/${'c'.repeat(101)}`],
      ['GET', `/v1/apps/${app}/clients/${'c'.repeat(101)}`],
      ['DELETE', '/channel/bad%7Bid', app],
      ['POST', '/channel/ch/join/%00', app],
      ['GET', '/last/ch/-1', app],
      ['GET', '/last/ch/10/last/yesterday', app],
      ['GET', '/sync/ch/10/to/5', app],
      ['GET', '/c/ch/sync/1e9', app],
      ['GET', '/last/ch/10', long],
    ];
    for (const [method, path, appID] of cases) {
      const r = await send(method, path, appID ? { appID } : {});
      expect({ path, status: r.status, body: r.body }).toEqual({
        path,
        status: 400,
        body: errorShape('bad_request'),
      });
    }
    // Routes naming the app in the AppID header need it.
    const missing = await send('POST', '/channel', { body: { channelID: 'x' } });
    expect(missing.status).toBe(400);
    expect((missing.body as { error: { message: string } }).error.message).toMatch(/AppID/);
  });

  it('refuses bad pagination and filters on every list route with 400', async () => {
    const lists = [
      '/v1/apps',
      `/v1/apps/${app}/clients`,
      `/v1/apps/${app}/channels`,
      `/v1/apps/${app}/channels/ch/members`,
      `/v1/apps/${app}/channels/ch/events`,
      `/v1/apps/${app}/active-channels`,
    ];
    const badQueries = [
      'cursor=not*base64',
      'cursor=abc',
      'limit=0',
      'limit=1001',
      'limit=ten',
      'limit=1&limit=2',
    ];
    const foreignCursor = 'cursor=' + Buffer.from('["x"]').toString('base64url');
    for (const list of lists) {
      const own =
        list.endsWith('/clients') ||
        list.endsWith('/channels') ||
        list.endsWith('/events') ||
        list.endsWith('active-channels');
      for (const q of [...badQueries, ...(own ? [foreignCursor] : [])]) {
        const r = await send('GET', `${list}?${q}`);
        expect({ url: `${list}?${q}`, status: r.status, body: r.body }).toEqual({
          url: `${list}?${q}`,
          status: 400,
          body: errorShape('bad_request'),
        });
      }
    }
    for (const q of ['private=maybe', 'closed=2']) {
      expect((await send('GET', `/v1/apps/${app}/channels?${q}`)).status).toBe(400);
    }
    for (const q of ['order=sideways', 'since=-5', 'sinceOffset=x', 'until=1.5']) {
      expect((await send('GET', `/v1/apps/${app}/channels/ch/events?${q}`)).status).toBe(400);
    }
  });

  it('names the rule an out-of-range value broke', async () => {
    const cases: [string, string, unknown, string, string?][] = [
      ['GET', `/v1/apps/${app}/channels?limit=1001`, undefined, 'limit: must be at most 1000'],
      ['GET', `/v1/apps/${app}/channels/ch/events?limit=0`, undefined, 'limit: must be at least 1'],
      [
        'POST',
        `/v1/apps/${app}/clients`,
        { clientID: 'x'.repeat(101) },
        'clientID: must be at most 100 characters',
      ],
      ['POST', '/channel/ch/publish', { eventType: '', payload: 1 }, 'eventType: must not be empty', app],
      ['GET', '/last/ch/10001', undefined, 'amount: must be at most 10000', app],
      [
        'POST',
        '/v1/batch',
        { commands: [{ method: 'history', params: { appID: app, channelID: 'ch', limit: 5000 } }] },
        'limit: must be at most 1000',
      ],
    ];
    for (const [method, path, body, message, appID] of cases) {
      const r = await send(method, path, {
        ...(body !== undefined ? { body } : {}),
        ...(appID ? { appID } : {}),
      });
      const error =
        path === '/v1/batch'
          ? (r.body as { results: { error: unknown }[] }).results[0].error
          : (r.body as { error: unknown }).error;
      expect({ path, error }).toEqual({ path, error: { code: 'bad_request', message } });
    }
  });

  it('answers unknown routes and methods 404 with the error shape', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/v1/nope'],
      ['PATCH', '/app'],
      ['DELETE', '/v1/stats'],
      ['GET', '/v1/apps/x/y/z/w'],
    ]) {
      const r = await send(method, path);
      expect({ path, status: r.status, body: r.body }).toEqual({
        path,
        status: 404,
        body: errorShape('not_found'),
      });
    }
    const anon = await http.get('/definitely/not/here');
    expect(anon.status).toBe(404);
    expect(anon.body).toEqual(errorShape('not_found'));
  });

  it("logs one line per request with its status and the caller's request id, never the token", async () => {
    const id = `e2e-${Date.now()}`;
    await send('GET', '/definitely/not/here', { headers: { 'X-Request-ID': `${id}-404` } });
    await send('POST', '/v1/apps', { raw: '{"name": ', headers: { 'X-Request-ID': `${id}-400` } });
    await send('GET', `/v1/apps/${app}`, { headers: { 'X-Request-ID': `${id}-200` } });
    const admin = stack.services.find((s) => s.name === 'admin-api');
    const lines = async () =>
      (await readFile(admin?.logFile ?? '', 'utf8'))
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l) as { req: { id: string; method: string }; res: { statusCode: number } });
    let found = await lines();
    for (let i = 0; i < 50 && found.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = await lines();
    }
    expect(found.map((l) => [l.req.id, l.req.method, l.res.statusCode])).toEqual([
      [`${id}-404`, 'GET', 404],
      [`${id}-400`, 'POST', 400],
      [`${id}-200`, 'GET', 200],
    ]);
    expect(await readFile(admin?.logFile ?? '', 'utf8')).not.toContain(root);
  });

  it('still serves after all of the above', async () => {
    expect((await send('GET', `/v1/apps/${app}`)).status).toBe(200);
    expect((await fetch(`${stack.adminUrl}/health/ready`)).status).toBe(200);
  });
});
