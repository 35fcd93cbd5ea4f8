import { createHmac } from 'node:crypto';
import { signApiRequest, verifyApiSignature } from './api-signature';

const secret = 'app-secret';
const body = Buffer.from('[{"method":"publish","params":{"channel":"news","data":{"input":"test"}}}]');
/** What gocent's GenerateAPISign computes, written out independently. */
const gocentSign = (key: string, data: Buffer) => createHmac('sha256', key).update(data).digest('hex');

describe('server API signatures', () => {
  it('signs as gocent does: lowercase hex HMAC-SHA256 of the raw body', () => {
    expect(signApiRequest(secret, body)).toBe(gocentSign(secret, body));
    expect(signApiRequest(secret, body)).toMatch(/^[0-9a-f]{64}$/);
    expect(signApiRequest(secret, body.toString('utf8'))).toBe(gocentSign(secret, body));
  });

  it('accepts the right signature, in either case', () => {
    const sign = gocentSign(secret, body);
    expect(verifyApiSignature(secret, body, sign)).toBe(true);
    expect(verifyApiSignature(secret, body, sign.toUpperCase())).toBe(true);
  });

  it('refuses another secret, another body, a missing or malformed signature', () => {
    const sign = gocentSign(secret, body);
    expect(verifyApiSignature('other-secret', body, sign)).toBe(false);
    // One byte more (a re-serialised body, a trailing newline) is another body.
    expect(verifyApiSignature(secret, Buffer.concat([body, Buffer.from('\n')]), sign)).toBe(false);
    expect(verifyApiSignature(secret, body, undefined)).toBe(false);
    expect(verifyApiSignature(secret, body, '')).toBe(false);
    expect(verifyApiSignature(secret, body, sign.slice(0, 63))).toBe(false);
    expect(verifyApiSignature(secret, body, `${sign}00`)).toBe(false);
    expect(verifyApiSignature(secret, body, `${sign.slice(0, 63)}g`)).toBe(false);
    expect(verifyApiSignature(secret, body, '0'.repeat(64))).toBe(false);
  });
});
