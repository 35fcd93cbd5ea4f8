import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/**
 * The `X-Channels-Signature` value of a request Channels sends to an app's backend (webhooks and
 * hooks, protocol §5.4): `sha256=` and the hex HMAC-SHA256 of the exact body bytes, keyed by the
 * app's API secret. Sign the bytes that are sent, never a re-serialisation of them.
 */
export function signChannelsRequest(apiSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', apiSecret).update(rawBody).digest('hex')}`;
}

/**
 * Whether `header` is the signature of `rawBody` with `apiSecret` (what a receiver checks). The
 * digests are compared in constant time; a malformed header never matches.
 */
export function verifyChannelsSignature(
  apiSecret: string,
  rawBody: Buffer | string,
  header: string | undefined,
): boolean {
  const expected = createHmac('sha256', apiSecret).update(rawBody).digest();
  const m = header === undefined ? null : SIGNATURE.exec(header);
  const given = m ? Buffer.from(m[1], 'hex') : Buffer.alloc(expected.length);
  const equal = timingSafeEqual(expected, given);
  return m !== null && equal;
}
