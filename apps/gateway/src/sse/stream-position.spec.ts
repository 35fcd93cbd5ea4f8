import { decodePosition, encodePosition } from './stream-position';

describe('SSE stream positions (the event id)', () => {
  it('round-trips the position of every channel, live-only ones included', () => {
    const positions = [
      { offset: 0, epoch: '0a1b2c3d4e5f' },
      undefined,
      { offset: 2 ** 40 + 3, epoch: 'not-hex epoch é' },
      { offset: 127, epoch: 'ffffffffffff' },
    ];
    const id = encodePosition(positions);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePosition(id, 4)).toEqual(positions);
  });

  it('is compact: one channel is a dozen characters', () => {
    expect(encodePosition([{ offset: 123_456, epoch: 'a1b2c3d4e5f6' }]).length).toBeLessThanOrEqual(16);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$def'],
    ['another version', Buffer.from([2, 0]).toString('base64url')],
    ['fewer channels', encodePosition([undefined])],
    ['more channels', encodePosition([undefined, undefined, undefined])],
    ['truncated epoch', encodePosition([{ offset: 1, epoch: 'a1b2c3d4e5f6' }]).slice(0, 4)],
    ['unknown kind', Buffer.from([1, 9, 0, 0]).toString('base64url')],
    [
      'endless varint',
      Buffer.from([1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('base64url'),
    ],
    ['too long', 'A'.repeat(9_000)],
  ])('refuses a malformed id (%s) with bad_request', (_name, id) => {
    expect(() => decodePosition(id, 2)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });
});
