import { decodeHistoryCursor, encodeHistoryCursor, nextHistoryCursor } from './history-cursor';

const ev = (offset: number, timestamp: number) => ({ offset, timestamp });

describe('history cursors', () => {
  it('round-trip through their opaque form', () => {
    for (const c of [
      { order: 'asc', offset: 42 } as const,
      { order: 'desc', offset: 7, timestamp: 1_700_000_000_000, seen: 3 } as const,
    ]) {
      const s = encodeHistoryCursor(c);
      expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeHistoryCursor(s)).toEqual(c);
    }
  });

  it.each([
    '',
    '!!!',
    'abc',
    Buffer.from('["a",-1]').toString('base64url'),
    Buffer.from('["d",1,2]').toString('base64url'),
    Buffer.from('{"a":1}').toString('base64url'),
  ])('refuses %p as bad_request', (bad) => {
    expect(() => decodeHistoryCursor(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it('continues an ascending page after its last offset', () => {
    expect(nextHistoryCursor('asc', [ev(1, 10), ev(2, 11)], undefined)).toEqual({ order: 'asc', offset: 2 });
  });

  it('continues a descending page before its last event, counting that millisecond', () => {
    const first = nextHistoryCursor('desc', [ev(9, 20), ev(8, 19), ev(7, 19)], undefined);
    expect(first).toEqual({ order: 'desc', offset: 7, timestamp: 19, seen: 2 });
    // The next page is still inside millisecond 19: the count accumulates.
    expect(nextHistoryCursor('desc', [ev(6, 19), ev(5, 19)], first ?? undefined)).toEqual({
      order: 'desc',
      offset: 5,
      timestamp: 19,
      seen: 4,
    });
    expect(nextHistoryCursor('desc', [ev(4, 18)], first ?? undefined)).toEqual({
      order: 'desc',
      offset: 4,
      timestamp: 18,
      seen: 1,
    });
  });

  it('has no continuation after an empty page', () => {
    expect(nextHistoryCursor('asc', [], undefined)).toBeNull();
  });
});
