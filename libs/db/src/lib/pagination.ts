import { ChannelsError, ErrorCode } from '@channels/contracts';

/** A page of a keyset-paginated listing; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque cursors: base64url of the last item's sort key. */
export const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const key = /^[A-Za-z0-9_-]{1,400}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : undefined;
  // Only cursors this module made decode: anything else (typos, truncation) is refused, not misread.
  if (key === undefined || encodeCursor(key) !== cursor) {
    throw new ChannelsError(ErrorCode.BadRequest, 'cursor: is not a valid cursor');
  }
  return key;
}

export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextCursor: more && items.length ? encodeCursor(keyOf(items[items.length - 1])) : null };
}

/** Decodes a cursor made from a `[appID, id]` sort key; anything else is a `bad_request`. */
export function decodePairCursor(cursor: string | undefined): [string, string] | [] {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return [];
  let key: unknown;
  try {
    key = JSON.parse(raw);
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string') {
    throw new ChannelsError(ErrorCode.BadRequest, 'cursor: is not a valid cursor');
  }
  return [key[0], key[1]];
}
