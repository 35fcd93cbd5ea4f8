import { ChannelsError } from '@channels/contracts';
import type { AppRepository } from '@channels/db';
import type { RequestRateLimiter } from '../auth/request-rate-limiter';
import { signApiRequest } from './api-signature';
import type { ServerApiCommands, ServerApiReply } from './server-api.commands';
import { MAX_SERVER_API_COMMANDS, parseCommands, ServerApiService } from './server-api.service';

const SECRETS: Record<string, string> = { app: 'secret-of-app', other: 'secret-of-other' };

function setup() {
  const counted: [string, number][] = [];
  const ran: unknown[] = [];
  const apps = { apiSecret: async (appID: string) => SECRETS[appID] ?? null } as unknown as AppRepository;
  const limiter = {
    consumeApp: async (appID: string, points: number) => void counted.push([appID, points]),
  } as unknown as RequestRateLimiter;
  const commands = {
    run: async (_appID: string, c: unknown): Promise<ServerApiReply> => {
      ran.push(c);
      return { method: (c as { method: string }).method, error: null, body: null };
    },
  } as unknown as ServerApiCommands;
  return { service: new ServerApiService(apps, limiter, commands), counted, ran };
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e instanceof ChannelsError ? `${e.httpStatus} ${e.code}: ${e.message}` : String(e);
  }
  return 'no failure';
};

describe('server API requests', () => {
  const body = Buffer.from('[{"method":"publish","params":{}},{"method":"stats","params":{}}]');

  it('runs every command of a body signed with the app secret, in order, counting each', async () => {
    const { service, counted, ran } = setup();
    const replies = await service.handle('app', body, signApiRequest(SECRETS['app'], body));
    expect(replies.map((r) => r.method)).toEqual(['publish', 'stats']);
    expect(ran).toEqual(JSON.parse(body.toString()));
    expect(counted).toEqual([['app', 2]]);
  });

  it('refuses a missing or wrong signature, another app secret and an unknown app alike (401), counting nothing', async () => {
    const { service, counted, ran } = setup();
    expect(await failure(service.handle('app', body, undefined))).toMatch(
      /^401 unauthorized: missing X-API-Sign/,
    );
    const wrong = "401 unauthorized: X-API-Sign is not the body's signature with the app's API secret";
    expect(await failure(service.handle('app', body, signApiRequest(SECRETS['other'], body)))).toBe(wrong);
    expect(await failure(service.handle('app', body, 'ab'.repeat(32)))).toBe(wrong);
    expect(await failure(service.handle('app', body, signApiRequest(SECRETS['app'], `${body} `)))).toBe(
      wrong,
    );
    expect(await failure(service.handle('nope', body, signApiRequest(SECRETS['app'], body)))).toBe(wrong);
    expect(counted).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('checks the signature before reading the body: a malformed one is 400 only once signed', async () => {
    const { service } = setup();
    const bad = Buffer.from('[{"method":');
    expect(await failure(service.handle('app', bad, signApiRequest(SECRETS['other'], bad)))).toMatch(/^401 /);
    expect(await failure(service.handle('app', bad, signApiRequest(SECRETS['app'], bad)))).toBe(
      '400 bad_request: body: malformed JSON',
    );
  });

  it('reads a JSON array of commands or a single command object', () => {
    expect(parseCommands(Buffer.from('{"method":"channels","params":{}}'))).toEqual([
      { method: 'channels', params: {} },
    ]);
    expect(parseCommands(Buffer.from('[]'))).toEqual([]);
    for (const text of ['', '[', 'nul', '{"a":1}}'])
      expect(() => parseCommands(Buffer.from(text))).toThrow('body: malformed JSON');
    for (const text of ['1', '"publish"', 'null'])
      expect(() => parseCommands(Buffer.from(text))).toThrow('body: must be a JSON array of commands');
    const many = JSON.stringify(
      Array.from({ length: MAX_SERVER_API_COMMANDS + 1 }, () => ({ method: 'stats' })),
    );
    expect(() => parseCommands(Buffer.from(many))).toThrow(`at most ${MAX_SERVER_API_COMMANDS} commands`);
  });
});
