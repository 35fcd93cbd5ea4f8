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
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) {
    throw new ChannelsError(ErrorCode.BadRequest, 'cursor: is not a valid cursor');
  }
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextCursor: more && items.length ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
