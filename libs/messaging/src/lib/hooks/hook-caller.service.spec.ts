import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyChannelsSignature } from '@channels/auth';
import type { HookRequest, HooksConfig, Namespace } from '@channels/contracts';
import type { ChannelDirectory } from '../channel-directory.service';
import { HookCaller, type HookMetrics, type HookOutcome } from './hook-caller.service';

type Handler = (body: HookRequest, req: IncomingMessage, res: ServerResponse) => void;

/** A backend on loopback whose answer each test chooses. */
async function backend(): Promise<{
  url: string;
  handle: (h: Handler) => void;
  seen: HookRequest[];
  close: () => Promise<void>;
  server: Server;
  raw: { body: string; sig: string | undefined }[];
}> {
  let handler: Handler = (_b, _q, res) => res.end(JSON.stringify({ allow: true }));
  const seen: HookRequest[] = [];
  const raw: { body: string; sig: string | undefined }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      raw.push({ body: text, sig: req.headers['x-channels-signature'] as string | undefined });
      const body = JSON.parse(text) as HookRequest;
      seen.push(body);
      handler(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handle: (h) => (handler = h),
    seen,
    raw,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const SECRET = 'the-api-secret';

function caller(hooks: HooksConfig | null, namespaces: Record<string, HooksConfig | null> = {}, max = 8) {
  const outcomes: HookOutcome[] = [];
  const directory = {
    appHooks: async () => ({ hooks, apiSecret: SECRET }),
    namespace: async (_a: string, name: string) =>
      name in namespaces ? ({ name, hooks: namespaces[name] } as unknown as Namespace) : null,
  } as unknown as ChannelDirectory;
  const metrics: HookMetrics = { observe: (_h, outcome) => outcomes.push(outcome) };
  return { hooks: new HookCaller(directory, { maxInFlightPerApp: max }, metrics), outcomes };
}

const subscribe = (channelID: string): HookRequest => ({
  hook: 'subscribe',
  appID: 'app',
  clientID: 'u',
  channelID,
});

describe('HookCaller', () => {
  let b: Awaited<ReturnType<typeof backend>>;
  beforeEach(async () => {
    b = await backend();
  });
  afterEach(() => b.close());

  it('asks nothing when the app has no such hook', async () => {
    const { hooks, outcomes } = caller({ publish: { url: b.url } });
    await expect(hooks.check('app', subscribe('room'))).resolves.toBeUndefined();
    await expect(caller(null).hooks.check('app', subscribe('room'))).resolves.toBeUndefined();
    expect(b.seen).toEqual([]);
    expect(outcomes).toEqual([]);
  });

  it('POSTs the request signed with the API secret and follows an allow', async () => {
    const { hooks, outcomes } = caller({ subscribe: { url: `${b.url}/sub` } });
    await expect(hooks.check('app', subscribe('room'))).resolves.toEqual({ allow: true });
    expect(b.seen).toEqual([subscribe('room')]);
    expect(verifyChannelsSignature(SECRET, b.raw[0].body, b.raw[0].sig)).toBe(true);
    expect(verifyChannelsSignature('another', b.raw[0].body, b.raw[0].sig)).toBe(false);
    expect(outcomes).toEqual(['allow']);
  });

  it("denies with the backend's reason", async () => {
    b.handle((_b, _q, res) => res.end(JSON.stringify({ allow: false, reason: 'banned until Monday' })));
    const { hooks, outcomes } = caller({ subscribe: { url: b.url } });
    await expect(hooks.check('app', subscribe('room'))).rejects.toMatchObject({
      code: 'denied',
      message: 'banned until Monday',
    });
    expect(outcomes).toEqual(['deny']);
  });

  it('passes a replaced payload and connect channels on', async () => {
    b.handle((body, _q, res) =>
      res.end(
        JSON.stringify(
          body.hook === 'publish'
            ? { allow: true, payload: { clean: true } }
            : { allow: true, channels: ['#u'] },
        ),
      ),
    );
    const { hooks } = caller({ publish: { url: b.url }, connect: { url: b.url } });
    await expect(
      hooks.check('app', {
        hook: 'publish',
        appID: 'app',
        clientID: 'u',
        channelID: 'c',
        payload: { bad: 1 },
      }),
    ).resolves.toMatchObject({ payload: { clean: true } });
    await expect(hooks.check('app', { hook: 'connect', appID: 'app', clientID: 'u' })).resolves.toMatchObject(
      {
        channels: ['#u'],
      },
    );
  });

  it.each([
    ['a timeout', 'timeout', (_b: HookRequest, _q: IncomingMessage, _res: ServerResponse): void => undefined],
    [
      'an error status',
      'status',
      (_b: HookRequest, _q: IncomingMessage, res: ServerResponse): void => {
        res.statusCode = 500;
        res.end('{"allow":true}');
      },
    ],
    [
      'garbage',
      'bad_answer',
      (_b: HookRequest, _q: IncomingMessage, res: ServerResponse): void => void res.end('<html>'),
    ],
    [
      'a wrong shape',
      'bad_answer',
      (_b: HookRequest, _q: IncomingMessage, res: ServerResponse): void => void res.end('{"allow":"yes"}'),
    ],
  ] as const)(
    'treats %s as a failure: denied by default, allowed with onFailure "allow"',
    async (_n, outcome, h) => {
      b.handle(h);
      const deny = caller({ subscribe: { url: b.url }, timeoutMs: 100 });
      await expect(deny.hooks.check('app', subscribe('room'))).rejects.toMatchObject({ code: 'denied' });
      const allow = caller({ subscribe: { url: b.url }, timeoutMs: 100, onFailure: 'allow' });
      await expect(allow.hooks.check('app', subscribe('room'))).resolves.toBeUndefined();
      expect([...deny.outcomes, ...allow.outcomes]).toEqual([outcome, outcome]);
    },
  );

  it('treats an unreachable backend as a failure', async () => {
    await b.close();
    const { hooks, outcomes } = caller({ subscribe: { url: b.url }, timeoutMs: 500 });
    await expect(hooks.check('app', subscribe('room'))).rejects.toMatchObject({ code: 'denied' });
    expect(outcomes).toEqual(['error']);
    b = await backend();
  });

  it("bounds an app's calls in flight: beyond, calls fail at once instead of queueing", async () => {
    const pending: ServerResponse[] = [];
    b.handle((_b, _q, res) => pending.push(res));
    const { hooks, outcomes } = caller(
      { subscribe: { url: b.url }, timeoutMs: 5_000, onFailure: 'deny' },
      {},
      2,
    );
    const first = [hooks.check('app', subscribe('a')), hooks.check('app', subscribe('b'))];
    const started = Date.now();
    await expect(hooks.check('app', subscribe('c'))).rejects.toMatchObject({ code: 'denied' });
    expect(Date.now() - started).toBeLessThan(1_000);
    while (pending.length < 2) await new Promise((r) => setTimeout(r, 10));
    for (const res of pending) res.end('{"allow":true}');
    await Promise.all(first);
    expect(outcomes.sort()).toEqual(['allow', 'allow', 'overloaded']);
  });

  it("uses a namespace's hooks instead of the app's for its channels", async () => {
    b.handle((_b, req, res) => res.end(JSON.stringify({ allow: req.url === '/ns' })));
    const { hooks } = caller(
      { subscribe: { url: `${b.url}/app` } },
      { room: { subscribe: { url: `${b.url}/ns` } }, quiet: {} },
    );
    await expect(hooks.check('app', subscribe('room:1'))).resolves.toEqual({ allow: true });
    await expect(hooks.check('app', subscribe('other'))).rejects.toMatchObject({ code: 'denied' });
    // A namespace with hooks but none for this type turns the app's off for its channels.
    await expect(hooks.check('app', subscribe('quiet:1'))).resolves.toBeUndefined();
    expect(b.seen.map((s) => s.channelID)).toEqual(['room:1', 'other']);
  });
});
