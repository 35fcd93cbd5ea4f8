import { runCli } from './cli';
import type { CliIo } from './context';

interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

/** Runs `channels …` in-process against a fake admin-api answering with `answer`. */
async function run(
  argv: string[],
  answer: (call: Call) => { status: number; body?: unknown } = () => ({ status: 200, body: {} }),
  env: Record<string, string> = {},
) {
  const calls: Call[] = [];
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: { CHANNELS_TOKEN: 'tok', ...env },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    fetch: (async (input: URL, init: RequestInit) => {
      const call: Call = {
        method: init.method ?? 'GET',
        url: new URL(String(input)),
        headers: init.headers as Record<string, string>,
        body: init.body !== undefined ? JSON.parse(String(init.body)) : undefined,
      };
      calls.push(call);
      const a = answer(call);
      if (a.status === 0)
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status });
    }) as typeof fetch,
    readFile: () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
    readStdin: async () => '{"from":"stdin"}',
    onInterrupt: () => () => undefined,
    connect: () => {
      throw new Error('no socket in unit tests');
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, calls };
}

describe('channels CLI (in-process, fake admin-api)', () => {
  it('sends the token and the JSON body to the /v1 route, and prints the answer with --json', async () => {
    const r = await run(
      ['--app', 'shop', 'publish', 'news', 'headline', '{"title":"hi"}', '--id', 'k1', '--json'],
      () => ({
        status: 201,
        body: { id: 'k1', offset: 7, epoch: 'e1', timestamp: 1 },
      }),
    );
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]?.method).toBe('POST');
    expect(r.calls[0]?.url.href).toBe('http://localhost:3000/v1/apps/shop/channels/news/events');
    expect(r.calls[0]?.headers['Authorization']).toBe('Bearer tok');
    expect(r.calls[0]?.body).toEqual({ eventType: 'headline', payload: { title: 'hi' }, id: 'k1' });
    expect(JSON.parse(r.stdout)).toEqual({ id: 'k1', offset: 7, epoch: 'e1', timestamp: 1 });
    expect(r.stderr).toBe('');
  });

  it('reads the payload from stdin with -, and the settings from the environment', async () => {
    const r = await run(
      ['publish', 'a:b@c', 'ev', '-'],
      () => ({ status: 201, body: { id: 'x', timestamp: 1 } }),
      {
        CHANNELS_APP: 'my app',
        CHANNELS_TOKEN: 'Bearer tok2',
        CHANNELS_ADMIN_URL: 'https://admin.example:8443/',
      },
    );
    expect(r.code).toBe(0);
    expect(r.calls[0]?.url.href).toBe(
      'https://admin.example:8443/v1/apps/my%20app/channels/a%3Ab%40c/events',
    );
    expect(r.calls[0]?.body).toMatchObject({ payload: { from: 'stdin' } });
    expect(r.calls[0]?.headers['Authorization']).toBe('Bearer tok2');
    expect(r.stdout).toMatch(/not stored/);
  });

  it('creates and updates namespaces with only the settings given, and lists them', async () => {
    const ns = {
      appID: 'shop',
      name: 'room',
      persistent: true,
      private: false,
      presence: false,
      historySize: 50,
      historyTTLSeconds: null,
      clientPublish: false,
      joinLeave: true,
      autoCreate: true,
      hooks: null,
      createdAt: 1,
    };
    const created = await run(
      [
        '--app',
        'shop',
        'namespaces',
        'create',
        'room',
        '--auto-create',
        '--persistent',
        '--no-client-publish',
        '--history-size',
        '50',
      ],
      () => ({ status: 201, body: ns }),
    );
    expect(created.code).toBe(0);
    expect(created.calls[0]?.url.pathname).toBe('/v1/apps/shop/namespaces');
    expect(created.calls[0]?.body).toEqual({
      name: 'room',
      autoCreate: true,
      persistent: true,
      clientPublish: false,
      historySize: 50,
    });
    expect(created.stdout).toContain('auto-create,persistent,no-client-publish,history-size=50');
    const updated = await run(['--app', 'shop', 'namespaces', 'update', 'room', '--private'], () => ({
      status: 200,
      body: { ...ns, private: true },
    }));
    expect(updated.calls[0]?.method).toBe('PATCH');
    expect(updated.calls[0]?.url.pathname).toBe('/v1/apps/shop/namespaces/room');
    expect(updated.calls[0]?.body).toEqual({ private: true });
    const listed = await run(['--app', 'shop', 'namespaces'], () => ({
      status: 200,
      body: { namespaces: [ns] },
    }));
    expect(listed.stdout).toMatch(/room\s+auto-create/);
    const bad = await run(['--app', 'shop', 'namespaces', 'create', 'x', '--history-size', '-3']);
    expect(bad.code).toBe(2);
    expect(bad.calls).toHaveLength(0);
  });

  it('sends an event to one client through its personal channel', async () => {
    const r = await run(['--app', 'shop', 'send', 'alice', 'notice', '{"n":1}'], () => ({
      status: 201,
      body: { id: 'e1', timestamp: 1 },
    }));
    expect(r.code).toBe(0);
    expect(r.calls[0]?.url.pathname).toBe('/v1/apps/shop/clients/alice/events');
    expect(r.calls[0]?.body).toEqual({ eventType: 'notice', payload: { n: 1 } });
    expect(r.stdout).toContain('sent e1 to client alice (channel #alice)');
  });

  it('follows nextCursor through every page of a list unless --limit or --cursor asks for one page', async () => {
    const pages: Record<
      string,
      { apps: { appID: string; name: string; createdAt: number }[]; nextCursor: string | null }
    > = {
      '': { apps: [{ appID: 'a1', name: 'One', createdAt: 0 }], nextCursor: 'c2' },
      c2: { apps: [{ appID: 'a2', name: 'Two', createdAt: 0 }], nextCursor: null },
    };
    const answer = (c: Call) => ({ status: 200, body: pages[c.url.searchParams.get('cursor') ?? ''] });
    const all = await run(['apps', '--json'], answer);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({
      apps: [
        { appID: 'a1', name: 'One', createdAt: 0 },
        { appID: 'a2', name: 'Two', createdAt: 0 },
      ],
      nextCursor: null,
    });
    expect(all.calls.map((c) => c.url.search)).toEqual(['?limit=1000', '?limit=1000&cursor=c2']);

    const one = await run(['apps', 'list', '--limit', '1'], answer);
    expect(one.calls).toHaveLength(1);
    expect(one.stdout).toMatch(/^APP\s+NAME\s+CREATED\na1\s+One\s+1970-01-01T00:00:00.000Z\n$/);
    expect(one.stderr).toMatch(/more: add --cursor c2/);
  });

  it('exits 1 with the API error (code and message) on stderr, as JSON with --json', async () => {
    const notFound = () => ({
      status: 404,
      body: { error: { code: 'not_found', message: 'unknown channel nope' } },
    });
    const text = await run(['--app', 'shop', 'channels', 'delete', 'nope'], notFound);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe('channels: not_found: unknown channel nope\n');
    const json = await run(['--app', 'shop', 'channels', 'delete', 'nope', '--json'], notFound);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'not_found', message: 'unknown channel nope' },
    });
  });

  it('exits 3 when admin-api cannot be reached', async () => {
    const r = await run(['apps'], () => ({ status: 0 }));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unreachable: cannot reach admin-api at http:\/\/localhost:3000: ECONNREFUSED/);
  });

  it.each([
    [['apps'], { CHANNELS_TOKEN: '' }, /no token: pass --token/],
    [['clients'], {}, /no app: pass --app/],
    [['--app', 's', 'publish', 'c', 'e', '{oops'], {}, /payload: not valid JSON/],
    [['--app', 's', 'history', 'c', '--limit', '0'], {}, /--limit.*must be an integer from 1 to 1000/],
    [['--app', 's', 'history', 'c', '--order', 'up'], {}, /must be one of asc, desc/],
    [['--url', 'localhost:3000', 'apps'], {}, /--url: "localhost:3000" must be an http/],
    [['apps', 'list'], { CHANNELS_ADMIN_URL: 'nope' }, /CHANNELS_ADMIN_URL: "nope" is not a URL/],
    [['frobnicate'], {}, /unknown command 'frobnicate'/],
    [['apps', 'create'], {}, /missing required argument 'appID'/],
    [['token'], {}, /required option '--role <role>' not specified/],
  ])('refuses bad input %j with exit 2 and a clear message, sending nothing', async (argv, env, message) => {
    const r = await run(argv, undefined, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.calls).toHaveLength(0);
    expect(r.stdout).toBe('');
  });

  it('prints help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: channels/);
    expect(r.stdout).toMatch(/CHANNELS_ADMIN_URL/);
  });

  it('mints a token that token check accepts, and token check exits 1 on another secret', async () => {
    const env = { JWT_SECRET: 'unit-secret-abcdef' };
    const minted = await run(
      ['token', '--role', 'Admin', '--app', 'shop', '--expires', '10m'],
      undefined,
      env,
    );
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const ok = await run(['token', 'check', token, '--json'], undefined, env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      valid: true,
      role: 'Admin',
      appID: 'shop',
      clientID: 'admin',
    });
    const bad = await run(['token', 'check', token, '--secret', 'other-secret-123456'], undefined, env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/valid\s+no \(invalid token\)/);
    expect(bad.stderr).toBe('channels: unauthorized: invalid token\n');
  });

  it('leaves CHANNELS_APP out of a super admin token but refuses an explicit --app', async () => {
    const env = { JWT_SECRET: 'unit-secret-abcdef', CHANNELS_APP: 'shop' };
    const fine = await run(['token', '--role', 'Super_Admin', '--json'], undefined, env);
    expect(fine.code).toBe(0);
    expect(JSON.parse(fine.stdout).claims).not.toHaveProperty('AppID');
    const refused = await run(['token', '--role', 'Super_Admin', '--app', 'shop'], undefined, env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Super_Admin token acts on every app/);
  });
});
