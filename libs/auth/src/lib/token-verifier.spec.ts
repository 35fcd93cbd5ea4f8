import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ChannelsError } from '@channels/contracts';
import { signToken } from './token-signer';
import { stripBearer, TokenVerifier } from './token-verifier';

const secret = 'unit-secret-123456';
const verifier = new TokenVerifier({ secret });

const errorOf = (fn: () => unknown): ChannelsError => {
  try {
    fn();
  } catch (e) {
    return e as ChannelsError;
  }
  throw new Error('expected an error');
};

describe('TokenVerifier', () => {
  it('accepts the documented claims and normalises the roles', () => {
    expect(verifier.verify(signToken(secret, { Role: 'Admin', ClientID: '123', AppID: '123' }))).toEqual({
      role: 'Admin',
      clientID: '123',
      appID: '123',
    });
    expect(verifier.verify(signToken(secret, { Role: 'SuperAdmin', ClientID: 'root' }))).toEqual({
      role: 'Super_Admin',
      clientID: 'root',
    });
    expect(
      verifier.verify(`Bearer ${signToken(secret, { Role: 'Client', ClientID: 'c', AppID: 'a' })}`).role,
    ).toBe('Client');
  });

  it('refuses missing, malformed, wrongly signed, expired and not-yet-valid tokens with 401', () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      undefined,
      'not-a-jwt',
      jwt.sign({ Role: 'Admin', ClientID: '1', AppID: 'a' }, 'another-secret-xyz'),
      jwt.sign({ Role: 'Admin', ClientID: '1', AppID: 'a', exp: now - 10 }, secret),
      jwt.sign({ Role: 'Admin', ClientID: '1', AppID: 'a', nbf: now + 3600 }, secret),
    ];
    for (const token of cases) {
      const e = errorOf(() => verifier.verify(token));
      expect(e).toBeInstanceOf(ChannelsError);
      expect(e.code).toBe('unauthorized');
      expect(e.httpStatus).toBe(401);
    }
    expect(errorOf(() => verifier.verify(cases[3])).message).toBe('token expired');
  });

  it('pins the algorithm: refuses alg none and RS256 without a configured key', () => {
    const none = jwt.sign({ Role: 'Super_Admin', ClientID: 'x' }, '', { algorithm: 'none' });
    expect(errorOf(() => verifier.verify(none)).code).toBe('unauthorized');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = jwt.sign({ Role: 'Super_Admin', ClientID: 'x' }, privateKey, { algorithm: 'RS256' });
    expect(errorOf(() => verifier.verify(rs)).code).toBe('unauthorized');
  });

  it('accepts RS256 with the configured public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rsVerifier = new TokenVerifier({ secret, publicKey: pem });
    const token = jwt.sign({ Role: 'Admin', ClientID: 'x', AppID: 'a' }, privateKey, { algorithm: 'RS256' });
    expect(rsVerifier.verify(token)).toEqual({ role: 'Admin', clientID: 'x', appID: 'a' });
  });

  it('refuses tokens without a valid role, client id, or app id for non-super-admins', () => {
    for (const claims of [
      { ClientID: '1', AppID: 'a' },
      { Role: 'Root', ClientID: '1' },
      { Role: 'Admin', AppID: 'a' },
      { Role: 'Client', ClientID: '1' },
    ]) {
      expect(errorOf(() => verifier.verify(jwt.sign(claims, secret))).code).toBe('unauthorized');
    }
  });

  it('strips an optional Bearer prefix', () => {
    expect(stripBearer('Bearer abc')).toBe('abc');
    expect(stripBearer('bearer   abc ')).toBe('abc');
    expect(stripBearer('abc')).toBe('abc');
  });
});
