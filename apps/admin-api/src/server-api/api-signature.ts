import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying a server API request's signature (Centrifugo v1, gocent). */
export const API_SIGN_HEADER = 'x-api-sign';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** A request's signature as gocent makes it: hex HMAC-SHA256 of the exact body bytes, keyed by the secret. */
export function signApiRequest(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether `signature` (the `X-API-Sign` header) signs exactly `body` with `secret`. The digests are
 * compared in constant time; a header that is not 64 hex digits (either case) never matches, and
 * costs the same comparison.
 */
export function verifyApiSignature(secret: string, body: Buffer, signature: string | undefined): boolean {
  const expected = createHmac('sha256', secret).update(body).digest();
  const wellFormed = signature !== undefined && HEX_SHA256.test(signature);
  const given = wellFormed ? Buffer.from(signature, 'hex') : Buffer.alloc(expected.length);
  const equal = timingSafeEqual(expected, given);
  return wellFormed && equal;
}
