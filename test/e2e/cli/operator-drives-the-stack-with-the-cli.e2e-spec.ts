import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { eventually, freePort, REPO_ROOT, Stack, TcpProxy, TEST_JWT_SECRET } from '@channels/testing';

/** The built CLI as `npx channels` runs it (the root package.json's bin). */
const BIN = join(REPO_ROOT, 'apps/cli/bin/channels.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `channels …` process whose output is collected as it comes. */
class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  /** stdout lines parsed as JSON (`--json` prints one per event). */
  get jsonLines(): { offset?: number; eventType: string; payload: unknown }[] {
    return this.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { offset?: number; eventType: string; payload: unknown });
  }
}

/**
 * An operator drives a running stack with nothing but the built CLI, as the README shows: mints a
 * token, creates an app, a client and a channel, publishes, reads history, follows the channel
 * live across a lost connection, and gets clear errors and exit codes for what is wrong.
 */
describe('an operator drives the stack with the CLI', () => {
  const stack = new Stack({ gateways: 1, writers: 1, presences: 1 });
  /** Between `tail` and the gateway: cutting it is a network outage for the tail only. */
  let proxy: TcpProxy;
  let env: Record<string, string>;
  const running: CliProcess[] = [];

  const start = (args: string[], extraEnv: Record<string, string> = {}): CliProcess => {
    const p = new CliProcess(
      spawn(process.execPath, [BIN, ...args], {
        cwd: REPO_ROOT,
        env: { ...env, ...extraEnv },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    running.push(p);
    return p;
  };
  const cli = async (args: string[], extraEnv: Record<string, string> = {}, stdin?: string): Promise<Run> => {
    const p = start(args, extraEnv);
    p.child.stdin?.end(stdin ?? '');
    const code = await p.exited;
    return { code, stdout: p.stdout, stderr: p.stderr };
  };
  const json = async <T>(args: string[], extraEnv: Record<string, string> = {}): Promise<T> => {
    const r = await cli([...args, '--json'], extraEnv);
    if (r.code !== 0) throw new Error(`channels ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    await stack.start();
    const [gateway] = stack.all('gateway');
    if (!gateway) throw new Error('no gateway');
    proxy = new TcpProxy(gateway.port);
    await proxy.start();
    // Only what an operator would set; nothing inherited from the test runner's environment.
    env = {
      PATH: process.env['PATH'] ?? '',
      CHANNELS_ADMIN_URL: stack.adminUrl,
      CHANNELS_URL: `http://127.0.0.1:${proxy.port}`,
      JWT_SECRET: TEST_JWT_SECRET,
    };
  }, 90_000);

  afterAll(async () => {
    for (const p of running)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await proxy?.close();
    await stack.stop();
  });

  it('mints a token, creates an app, a client and a channel, publishes and reads the history', async () => {
    const minted = await cli(['token', '--role', 'Super_Admin', '--expires', '10m']);
    expect(minted).toMatchObject({ code: 0, stderr: '' });
    const token = minted.stdout.trim();
    const checked = await json<{ valid: boolean; role: string; expiresAt: number }>([
      'token',
      'check',
      token,
    ]);
    expect(checked).toMatchObject({ valid: true, role: 'Super_Admin' });
    expect(checked.expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    env['CHANNELS_TOKEN'] = token;

    expect(await json(['apps', 'create', 'shop', '--name', 'Shop'])).toMatchObject({
      appID: 'shop',
      name: 'Shop',
    });
    expect((await json<{ apps: { appID: string }[] }>(['apps'])).apps.map((a) => a.appID)).toContain('shop');
    env['CHANNELS_APP'] = 'shop';

    const created = await cli(['clients', 'create', 'alice', '--username', 'Alice']);
    expect(created).toMatchObject({ code: 0, stdout: 'created client alice in app shop\n' });
    expect(await json(['clients', 'list'])).toEqual({
      clients: [expect.objectContaining({ appID: 'shop', clientID: 'alice', username: 'Alice' })],
      nextCursor: null,
    });

    expect(await json(['channels', 'create', 'news', '--persistent', '--presence'])).toMatchObject({
      channelID: 'news',
      persistent: true,
      presence: true,
      private: false,
    });
    const listed = await cli(['channels']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^CHANNEL\s+NAME\s+FLAGS\s+CREATED\nnews\s+-\s+persistent,presence\s+\d{4}-/,
    );

    const published = await json<{ offset: number }>(['publish', 'news', 'headline', '{"title":"hello"}']);
    expect(published.offset).toBe(1);
    const piped = await cli(['publish', 'news', 'note', '-'], {}, '"from stdin"');
    expect(piped).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^published .* to news at offset 2 /),
    });

    const history = await json<{
      events: { offset: number; eventType: string; payload: unknown; senderID: string }[];
    }>(['history', 'news', '--since-offset', '0']);
    expect(history.events.map((e) => [e.offset, e.eventType, e.payload, e.senderID])).toEqual([
      [1, 'headline', { title: 'hello' }, 'root'],
      [2, 'note', 'from stdin', 'root'],
    ]);
    const text = await cli(['history', 'news', '--limit', '1']);
    expect(text.stdout).toMatch(/^#2 {2}\d{4}-\S+ {2}note {2}root {2}"from stdin"\n$/);
    expect(text.stderr).toMatch(/more: add --cursor \S+/);

    const stats = await json<Record<string, unknown>>(['stats']);
    expect(stats).toMatchObject({
      appID: 'shop',
      connections: expect.any(Number),
      gateways: expect.any(Array),
    });
    const cluster = await json<Record<string, unknown>>(['stats'], { CHANNELS_APP: '' });
    expect(cluster).toMatchObject({ connections: expect.any(Number), apps: expect.any(Array) });
  });

  it('manages namespaces: a channel of an autoCreate namespace exists on first publish', async () => {
    const created = await json<{ name: string; autoCreate: boolean }>([
      'namespaces',
      'create',
      'room',
      '--auto-create',
      '--persistent',
      '--history-size',
      '100',
    ]);
    expect(created).toMatchObject({ name: 'room', autoCreate: true });
    expect((await cli(['namespaces'])).stdout).toMatch(/room\s+auto-create,persistent,history-size=100/);
    const published = await json<{ offset: number }>(['publish', 'room:lobby', 'hi', '1']);
    expect(published.offset).toBe(1);
    const channel = await cli(['channels', '--search', 'room:']);
    expect(channel.stdout).toContain('room:lobby');
    expect((await cli(['namespaces', 'update', 'room', '--private'])).code).toBe(0);
    expect((await cli(['send', 'alice', 'notice', '{"n":1}'])).stdout).toMatch(/^sent \S+ to client alice/);
    expect((await cli(['namespaces', 'delete', 'room'])).code).toBe(0);
    const gone = await cli(['namespaces', 'delete', 'room']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('not_found');
  });

  it('tails a channel live, recovers what it missed while cut off, and exits 0 on Ctrl-C', async () => {
    const tail = start(['tail', 'news', '--json']);
    await eventually(() => tail.stderr.includes('tailing news of app shop'), 'tail subscribed', 15_000);
    expect(tail.stderr).toMatch(/from offset 2;/);

    expect((await cli(['publish', 'news', 'live', '{"n":3}'])).code).toBe(0);
    await eventually(() => tail.jsonLines.length === 1, 'the live event printed', 10_000);
    expect(tail.jsonLines[0]).toMatchObject({ offset: 3, eventType: 'live', payload: { n: 3 } });

    proxy.cut();
    await eventually(() => tail.stderr.includes('connection lost'), 'tail noticed the outage', 15_000);
    for (const n of [4, 5]) expect((await cli(['publish', 'news', 'missed', `{"n":${n}}`])).code).toBe(0);
    proxy.restore();
    await eventually(() => tail.stderr.includes('resubscribed to news'), 'tail resubscribed', 20_000);
    expect((await cli(['publish', 'news', 'live', '{"n":6}'])).code).toBe(0);
    await eventually(() => tail.jsonLines.length === 4, 'every event printed', 10_000);
    expect(tail.jsonLines.map((e) => [e.offset, e.payload])).toEqual([
      [3, { n: 3 }],
      [4, { n: 4 }],
      [5, { n: 5 }],
      [6, { n: 6 }],
    ]);
    expect(tail.stderr).toMatch(/resubscribed to news; 2 missed event\(s\) recovered/);

    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
  });

  it('ends a tail with exit 1 when its channel is deleted', async () => {
    expect((await cli(['channels', 'create', 'temp'])).code).toBe(0);
    const tail = start(['tail', 'temp']);
    await eventually(() => tail.stderr.includes('tailing temp'), 'tail subscribed', 15_000);
    expect(tail.stderr).toMatch(/not persistent/);
    expect(await json(['channels', 'delete', 'temp'])).toEqual({
      deleted: true,
      appID: 'shop',
      channelID: 'temp',
    });
    expect(await tail.exited).toBe(1);
    expect(tail.stderr).toMatch(/channel_removed: channel temp was removed/);
  });

  it('refuses forged tokens and bad input with a clear message and a non-zero exit', async () => {
    const forged = jwt.sign({ Role: 'Super_Admin', ClientID: 'root' }, 'not-the-secret-0123');
    const check = await cli(['token', 'check', forged, '--json']);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({ valid: false, role: 'Super_Admin' });
    expect(JSON.parse(check.stderr)).toEqual({ error: { code: 'unauthorized', message: 'invalid token' } });

    const refused = await cli(['apps', '--json'], { CHANNELS_TOKEN: forged });
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(refused.stderr)).toEqual({ error: { code: 'unauthorized', message: 'invalid token' } });

    const badId = await cli(['channels', 'create', 'bad channel!']);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toMatch(/^channels: bad_request: channelID: must be 1-100 characters/);

    const badJson = await cli(['publish', 'news', 'x', '{not json']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/payload: not valid JSON/);

    const missing = await cli(['publish', 'nope', 'x', '1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^channels: not_found: /);

    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const down = await cli(['apps'], { CHANNELS_ADMIN_URL: nowhere });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach admin-api at .*ECONNREFUSED/);
    const tailDown = await cli(['tail', 'news'], { CHANNELS_URL: nowhere });
    expect(tailDown.code).toBe(3);
    expect(tailDown.stderr).toMatch(/cannot reach the gateway/);

    const tailForged = await cli(['tail', 'news'], { CHANNELS_TOKEN: forged });
    expect(tailForged.code).toBe(1);
    expect(tailForged.stderr).toMatch(/refused the connection: invalid token/);
    const tailUnknown = await cli(['tail', 'nope']);
    expect(tailUnknown.code).toBe(1);
    expect(tailUnknown.stderr).toMatch(/not_found: cannot tail nope/);

    // The stack is still healthy after all of it.
    expect((await cli(['publish', 'news', 'after', '{}'])).code).toBe(0);
  });

  it('runs as `npx channels` inside the checkout', async () => {
    const p = new CliProcess(
      spawn('npx', ['--offline', 'channels', '--help'], { cwd: REPO_ROOT, env: process.env, stdio: 'pipe' }),
    );
    expect(await p.exited).toBe(0);
    expect(p.stdout).toMatch(/^Usage: channels /);
  });
});
