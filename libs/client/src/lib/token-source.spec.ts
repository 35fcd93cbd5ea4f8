import { TokenSource, tokenExpiry } from './token-source';

const jwt = (claims: object) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('tokenExpiry', () => {
  it('reads exp (seconds) as unix ms from base64url payloads of any padding', () => {
    // Claims chosen so that the payload holds base64url-only characters ('-', '_') and needs padding.
    for (const extra of ['', 'a', 'ab', '~~~??>>>']) {
      const token = jwt({ exp: 2_000_000_000, x: extra });
      expect(tokenExpiry(token)).toBe(2_000_000_000_000);
    }
    expect(jwt({ x: '~~~??>>>' }).split('.')[1]).toMatch(/[-_]/);
  });

  it('is undefined without exp or for what is not a JWT', () => {
    expect(tokenExpiry(jwt({ Role: 'Client' }))).toBeUndefined();
    expect(tokenExpiry('opaque-token')).toBeUndefined();
    expect(tokenExpiry('a.%%%.c')).toBeUndefined();
  });
});

describe('TokenSource', () => {
  it('keeps a fixed token, and refuses to invent one', async () => {
    await expect(new TokenSource('t', undefined).current()).resolves.toEqual({ token: 't', fresh: false });
    const none = new TokenSource(undefined, undefined);
    await expect(none.current()).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('fetches when the token expires soon or was invalidated, and rejects an empty one', async () => {
    const now = 1_000_000_000_000;
    const tokens = ['next', ''];
    const source = new TokenSource(
      jwt({ exp: now / 1000 + 3 }),
      async () => tokens.shift() as string,
      () => now,
    );
    await expect(source.current()).resolves.toEqual({ token: 'next', fresh: true });
    await expect(source.current()).resolves.toEqual({ token: 'next', fresh: false });
    source.invalidate();
    await expect(source.current()).rejects.toMatchObject({ message: /non-empty string/ });
  });
});
