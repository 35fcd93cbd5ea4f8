import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ChannelsError, ErrorCode } from '@channels/contracts';
import {
  isConnectionError,
  RetryLaterError,
  toHttpFailure,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './error-mapping';

describe('toHttpFailure', () => {
  it('keeps a product error: its status, code and message', () => {
    const f = toHttpFailure(new ChannelsError(ErrorCode.ChannelClosed, 'channel news is closed'));
    expect(f.status).toBe(400);
    expect(f.body).toEqual({ error: { code: 'channel_closed', message: 'channel news is closed' } });
    expect(f.unexpected).toBe(false);
  });

  it('answers an unknown route 404 not_found naming the route', () => {
    const f = toHttpFailure(new NotFoundException('Cannot GET /nope'));
    expect(f.status).toBe(404);
    expect(f.body.error).toEqual({ code: 'not_found', message: 'no route GET /nope' });
  });

  it('maps framework statuses to their codes', () => {
    expect(toHttpFailure(new PayloadTooLargeException()).body.error.code).toBe('payload_too_large');
    expect(toHttpFailure(Object.assign(new Error('x'), { status: 415 })).status).toBe(415);
  });

  it('answers 503 unavailable when Postgres or Redis cannot be reached, without internals', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('query failed', { cause: refused });
    const redis = Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
      name: 'MaxRetriesPerRequestError',
    });
    for (const e of [refused, wrapped, redis, new Error('Connection is closed.')]) {
      const f = toHttpFailure(e);
      expect(f.status).toBe(503);
      expect(f.body.error.code).toBe('unavailable');
      expect(f.body.error.message).not.toMatch(/5432|ECONN|retries/);
      expect(f.retryAfterSeconds).toBe(UNAVAILABLE_RETRY_AFTER_SECONDS);
    }
  });

  it('says when to retry a rate-limited request, and only then', () => {
    const f = toHttpFailure(new RetryLaterError(ErrorCode.RateLimited, 'too many requests', 7));
    expect(f).toEqual({
      status: 429,
      body: { error: { code: 'rate_limited', message: 'too many requests' } },
      unexpected: false,
      retryAfterSeconds: 7,
    });
    expect(toHttpFailure(new ChannelsError(ErrorCode.Unauthorized, 'invalid token')).retryAfterSeconds).toBe(
      undefined,
    );
  });

  it('answers anything else 500 internal without leaking its message', () => {
    const f = toHttpFailure(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(f.status).toBe(500);
    expect(f.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(f.unexpected).toBe(true);
  });
});

describe('isConnectionError', () => {
  it('recognises Prisma and Postgres connection codes and ignores ordinary errors', () => {
    expect(isConnectionError({ code: 'P1001', message: "Can't reach database server" })).toBe(true);
    expect(
      isConnectionError({ code: '57P01', message: 'terminating connection due to administrator command' }),
    ).toBe(true);
    expect(isConnectionError({ code: 'P2002', message: 'Unique constraint failed' })).toBe(false);
    expect(isConnectionError(new Error('boom'))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });

  it('survives a cyclic cause chain', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = a;
    expect(isConnectionError(a)).toBe(false);
  });
});
