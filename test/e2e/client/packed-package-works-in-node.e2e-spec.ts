import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fixtures, REPO_ROOT, Stack } from '@channels/testing';

const PACKAGE_DIR = join(REPO_ROOT, 'dist/libs/client');

/**
 * `npm pack` of the built `@channels/client` gives a package that a Node app installs and uses as
 * it would from the registry: required (CJS) and imported (ESM) by name, typed through its
 * `exports`, depending on socket.io-client only — and it talks to a real gateway.
 */
describe('the packed @channels/client works in a Node app', () => {
  const stack = new Stack({ gateways: 1, writers: 1, presences: 1 });
  const app = join(REPO_ROOT, 'tmp', `pack-${stack.runId}`);
  let fx: Fixtures;
  let tarball = '';

  beforeAll(async () => {
    if (!existsSync(join(PACKAGE_DIR, 'package.json')))
      throw new Error(`${PACKAGE_DIR} is missing: build it first (npx nx run client:build)`);
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app('pack');
    await fx.channel('pack', 'news', { persistent: true });
    mkdirSync(join(app, 'node_modules', '@channels', 'client'), { recursive: true });
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', app], {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(app, packed[0].filename);
    // What `npm install <tarball>` puts in place (socket.io-client resolves from the repository's node_modules).
    execFileSync('tar', [
      '-xzf',
      tarball,
      '-C',
      join(app, 'node_modules', '@channels', 'client'),
      '--strip-components=1',
    ]);
  }, 120_000);

  afterAll(async () => {
    rmSync(app, { recursive: true, force: true });
    await fx?.close();
    await stack.stop();
  });

  const run = (args: string[]) =>
    execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 30_000 }).trim();

  it('holds ESM, CJS, types and browser bundles, with socket.io-client as its only dependency', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'index.mjs',
      'index.cjs',
      'index.d.ts',
      'index.d.mts',
      'browser/channels-client.global.js',
      'browser/channels-client.mjs',
      'README.md',
      'package.json',
    ])
      expect(files).toContain(`package/${f}`);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@channels/client/package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: '@channels/client', engines: { node: '>=20' } });
    expect(Object.keys(pkg.dependencies)).toEqual(['socket.io-client']);
    // The wire types are inlined: the declarations import nothing but the package's own dependency.
    const dts = readFileSync(join(app, 'node_modules/@channels/client/index.d.ts'), 'utf8');
    expect(dts).not.toMatch(/@channels\/contracts|from 'zod'/);
  });

  it.each(['consumer.mts', 'consumer.cts'])(
    'is typed for a TypeScript consumer through its exports (%s)',
    (file) => {
      writeFileSync(
        join(app, file),
        `import { ChannelsClient, ChannelsError, type ChannelEvent, type PublishResult } from '@channels/client';
const c = new ChannelsClient({ url: 'http://x', appID: 'a', token: 't' });
c.channel('n').on('event', (e: ChannelEvent) => e.offset);
const r: Promise<PublishResult> = c.channel('n').publish('t', 1);
export { r, ChannelsError };
`,
      );
      run([
        join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        file,
      ]);
    },
  );

  it.each([
    ['CommonJS', ['-e'], "const { ChannelsClient } = require('@channels/client');"],
    ['ES module', ['--input-type=module', '-e'], "import { ChannelsClient } from '@channels/client';"],
  ])('publishes and receives as %s', (_kind, flags, importLine) => {
    const script = `${importLine}
const client = new ChannelsClient({ url: ${JSON.stringify(stack.url('gateway'))}, appID: 'pack', token: ${JSON.stringify(
      stack.clientToken('pack', 'node-app'),
    )} });
const news = client.channel('news');
const got = new Promise((resolve) => news.once('event', resolve));
await client.connect();
await news.subscribe();
const ack = await news.publish('hello', { n: 1 });
const event = await got;
console.log(JSON.stringify({ acked: ack.offset, received: event.offset, payload: event.payload }));
await client.disconnect();`;
    const wrapped = flags.includes('--input-type=module') ? script : `(async () => {\n${script}\n})();`;
    const out = JSON.parse(run([...flags, wrapped])) as { acked: number; received: number; payload: unknown };
    expect(out.received).toBe(out.acked);
    expect(out.payload).toEqual({ n: 1 });
  });
});
