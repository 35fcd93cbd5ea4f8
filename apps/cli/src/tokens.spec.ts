import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TokenVerifier } from '@channels/auth';
import { Role } from '@channels/contracts';
import { CliError } from './errors';
import { checkToken, mintToken, parseDuration, parseRole } from './tokens';

const secret = 'cli-unit-secret-0123';
const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return (e as CliError).message;
  }
  throw new Error('expected a usage error');
};

describe('token arguments', () => {
  it('parses lifetimes and refuses what is not one', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('7d')).toBe(604_800);
    expect(parseDuration('2w')).toBe(1_209_600);
    expect(parseDuration('never')).toBeUndefined();
    for (const bad of ['', '1y', '-5m', '1.5h', 'soon'])
      expect(usage(() => parseDuration(bad))).toMatch(/--expires/);
  });

  it('accepts the roles in any spelling the services know and refuses others', () => {
    expect(parseRole('Super_Admin')).toBe(Role.SuperAdmin);
    expect(parseRole('superadmin')).toBe(Role.SuperAdmin);
    expect(parseRole('super-admin')).toBe(Role.SuperAdmin);
    expect(parseRole('ADMIN')).toBe(Role.Admin);
    expect(parseRole('client')).toBe(Role.Client);
    expect(usage(() => parseRole('root'))).toMatch(/Super_Admin, Admin, Client/);
  });
});

describe('mintToken', () => {
  const verifier = new TokenVerifier({ secret });

  it('signs tokens the services accept, with the documented claims and expiry', () => {
    const now = Date.UTC(2030, 0, 1);
    const minted = mintToken(
      { role: Role.Client, appID: 'shop', clientID: 'alice', expiresInSeconds: 3600, secret },
      now,
    );
    expect(minted.claims).toEqual({
      Role: 'Client',
      ClientID: 'alice',
      AppID: 'shop',
      iat: now / 1000,
      exp: now / 1000 + 3600,
    });
    expect(minted.expiresAt).toBe(now + 3_600_000);
    const live = mintToken({ role: Role.Admin, appID: 'shop', expiresInSeconds: 60, secret });
    expect(verifier.verify(live.token)).toEqual({ role: 'Admin', clientID: 'admin', appID: 'shop' });
    const root = mintToken({ role: Role.SuperAdmin, secret });
    expect(verifier.verify(root.token)).toEqual({ role: 'Super_Admin', clientID: 'root' });
    expect(root.expiresAt).toBeNull();
  });

  it('refuses tokens the services would refuse, before signing', () => {
    expect(usage(() => mintToken({ role: Role.SuperAdmin, appID: 'shop', secret }))).toMatch(/--app/);
    expect(usage(() => mintToken({ role: Role.Admin, secret }))).toMatch(/needs an app/);
    expect(usage(() => mintToken({ role: Role.Client, appID: 'shop', secret }))).toMatch(/--client/);
    expect(
      usage(() => mintToken({ role: Role.Client, appID: 'shop', clientID: 'x'.repeat(101), secret })),
    ).toMatch(/--client: must be at most 100/);
    expect(usage(() => mintToken({ role: Role.Admin, appID: 'shop' }))).toMatch(/JWT_SECRET/);
    expect(usage(() => mintToken({ role: Role.Admin, appID: 'shop', privateKey: 'not a key' }))).toMatch(
      /--private-key/,
    );
  });

  it('signs RS256 with a private key, accepted where the public key is configured', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const minted = mintToken({
      role: Role.Admin,
      appID: 'shop',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(minted.algorithm).toBe('RS256');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(new TokenVerifier({ secret, publicKey: pem }).verify(minted.token).role).toBe('Admin');
    expect(checkToken(minted.token, { publicKey: pem }).valid).toBe(true);
  });
});

describe('checkToken', () => {
  it('reports the claims of a valid token', () => {
    const { token } = mintToken({
      role: Role.Client,
      appID: 'shop',
      clientID: 'bob',
      expiresInSeconds: 600,
      secret,
    });
    const r = checkToken(`Bearer ${token}`, { secret });
    expect(r).toMatchObject({
      valid: true,
      error: null,
      role: 'Client',
      appID: 'shop',
      clientID: 'bob',
      expired: false,
    });
    expect(r.expiresAt).toBe(((r.claims?.['exp'] as number) ?? 0) * 1000);
  });

  it('finds forged, expired, malformed and alg-none tokens invalid, with the claims they pretend', () => {
    const forged = jwt.sign({ Role: 'Super_Admin', ClientID: 'root' }, 'another-secret-456');
    expect(checkToken(forged, { secret })).toMatchObject({
      valid: false,
      error: { code: 'unauthorized', message: 'invalid token' },
      role: 'Super_Admin',
    });
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = jwt.sign({ Role: 'Admin', ClientID: 'a', AppID: 'shop', exp: past }, secret);
    expect(checkToken(expired, { secret })).toMatchObject({
      valid: false,
      expired: true,
      error: { message: 'token expired' },
    });
    expect(checkToken('not-a-jwt', { secret })).toMatchObject({
      valid: false,
      claims: null,
      algorithm: null,
    });
    const none = jwt.sign({ Role: 'Super_Admin', ClientID: 'x' }, '', { algorithm: 'none' });
    expect(checkToken(none, { secret }).valid).toBe(false);
  });

  it('needs the key the token was signed with', () => {
    const { token } = mintToken({ role: Role.SuperAdmin, secret });
    expect(usage(() => checkToken(token, {}))).toMatch(/--secret/);
  });
});
