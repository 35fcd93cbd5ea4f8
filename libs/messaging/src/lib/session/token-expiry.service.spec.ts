import { Logger } from '@nestjs/common';
import { signToken, TokenVerifier } from '@channels/auth';
import type { TokenRevocations } from '../token-revocations.service';
import type { RealtimeCoreOptions } from './core.options';
import { recordingSession } from './recording-session.testing';
import { TokenExpiry } from './token-expiry.service';

const SECRET = 'unit-secret';
const T0 = 1_800_000_000_000;

const connection = (expiresAt: number | undefined, clientID = 'alice') => {
  const { session, sent, close } = recordingSession({
    clientID,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  return { socket: session, raw: { disconnect: close }, sent };
};

describe('TokenExpiry', () => {
  let expiry: TokenExpiry;
  const revocations = { check: jest.fn(async () => undefined) } as unknown as TokenRevocations;

  beforeAll(() => jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    expiry = new TokenExpiry(
      { tokenExpiryLeewayMs: 2_000, tokenRefreshNoticeMs: 10_000 } as RealtimeCoreOptions,
      new TokenVerifier({ secret: SECRET }),
      revocations,
    );
  });
  afterEach(() => jest.useRealTimers());

  const at = (ms: number) => {
    jest.setSystemTime(T0 + ms);
    expiry.tick();
  };

  it('tells a connection before its token expires and closes it after the leeway', () => {
    const c = connection(T0 + 30_000);
    const forever = connection(undefined, 'bob');
    expiry.track(c.socket);
    expiry.track(forever.socket);
    expect(expiry.tracked).toBe(1);

    at(19_000);
    expect(c.sent).toEqual([]);
    at(20_000);
    expect(c.sent).toEqual([['refresh_required', { expiresAt: T0 + 30_000 }]]);
    at(31_000);
    expect(c.raw.disconnect).not.toHaveBeenCalled();
    at(32_000);
    expect(c.sent[1]).toEqual(['token_expired', { expiresAt: T0 + 30_000 }]);
    expect(c.raw.disconnect).toHaveBeenCalledWith('disconnect');
    expect(expiry.tracked).toBe(0);
    expect(forever.sent).toEqual([]);
  });

  it('sends the notice at once for a token shorter-lived than the notice period', () => {
    const c = connection(T0 + 3_000);
    expiry.track(c.socket);
    at(0);
    expect(c.sent).toEqual([['refresh_required', { expiresAt: T0 + 3_000 }]]);
  });

  it('moves the expiry on refresh with a token of the same identity, and refuses others', async () => {
    const c = connection(T0 + 30_000);
    expiry.track(c.socket);
    const fresh = signToken(
      SECRET,
      { Role: 'Client', ClientID: 'alice', AppID: 'app' },
      { expiresInSeconds: 120 },
    );
    const { expiresAt } = await expiry.refresh(c.socket, { token: fresh });
    expect(expiresAt).toBeGreaterThan(T0 + 100_000);
    at(40_000);
    expect(c.raw.disconnect).not.toHaveBeenCalled();
    expect(c.sent).toEqual([]);

    const other = signToken(SECRET, { Role: 'Client', ClientID: 'bob', AppID: 'app' });
    await expect(expiry.refresh(c.socket, { token: other })).rejects.toMatchObject({ code: 'forbidden' });
    const admin = signToken(SECRET, { Role: 'Admin', ClientID: 'alice', AppID: 'app' });
    await expect(expiry.refresh(c.socket, { token: admin })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(expiry.refresh(c.socket, { token: 'garbage' })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(expiry.refresh(c.socket, {})).rejects.toMatchObject({ code: 'bad_request' });
    // A token without exp: the connection no longer expires.
    const forever = signToken(SECRET, { Role: 'Client', ClientID: 'alice', AppID: 'app' });
    expect(await expiry.refresh(c.socket, { token: forever })).toEqual({});
    expect(expiry.tracked).toBe(0);
  });

  it('forgets a connection that closed', () => {
    const c = connection(T0 + 30_000);
    expiry.track(c.socket);
    expiry.untrack(c.socket);
    at(60_000);
    expect(c.sent).toEqual([]);
    expect(expiry.tracked).toBe(0);
  });
});
