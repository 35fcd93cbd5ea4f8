import { decodeCursor, decodePairCursor, encodeCursor, toPage } from './pagination';

describe('keyset cursors', () => {
  it('round-trip the cursors toPage makes', () => {
    const page = toPage(['a', 'b', 'c'], 2, (x) => JSON.stringify(['app', x]));
    expect(page.items).toEqual(['a', 'b']);
    expect(decodePairCursor(page.nextCursor ?? undefined)).toEqual(['app', 'b']);
    expect(decodeCursor(encodeCursor('plain-id'))).toBe('plain-id');
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodePairCursor('')).toEqual([]);
  });

  it.each(['not*base64', 'abc', 'x'.repeat(401)])('refuses %p as bad_request', (bad) => {
    expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it.each([encodeCursor('plain'), encodeCursor('["one"]'), encodeCursor('[1,2]'), encodeCursor('{"a":"b"}')])(
    'refuses %p where a pair key is expected',
    (bad) => {
      expect(() => decodePairCursor(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    },
  );
});
