import { ChannelsError, ErrorCode } from '@channels/contracts';

/**
 * Position after the last event of a history page. Ascending pages continue after `offset`;
 * descending pages continue before it: they ask for events up to `timestamp` and skip the `seen`
 * events of that same millisecond already returned (history has no "before offset" bound).
 */
export type HistoryCursor =
  { order: 'asc'; offset: number } | { order: 'desc'; offset: number; timestamp: number; seen: number };

export function encodeHistoryCursor(c: HistoryCursor): string {
  const compact = c.order === 'asc' ? ['a', c.offset] : ['d', c.offset, c.timestamp, c.seen];
  return Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
}

export function decodeHistoryCursor(cursor: string): HistoryCursor {
  const bad = () => new ChannelsError(ErrorCode.BadRequest, 'cursor: is not a valid cursor');
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const isNat = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (Array.isArray(v) && v.length === 2 && v[0] === 'a' && isNat(v[1]))
    return { order: 'asc', offset: v[1] };
  if (Array.isArray(v) && v.length === 4 && v[0] === 'd' && isNat(v[1]) && isNat(v[2]) && isNat(v[3])) {
    return { order: 'desc', offset: v[1], timestamp: v[2], seen: v[3] };
  }
  throw bad();
}

/** The cursor continuing after `page` (in `order`), given the cursor that produced it. */
export function nextHistoryCursor(
  order: 'asc' | 'desc',
  page: readonly { offset: number; timestamp: number }[],
  previous: HistoryCursor | undefined,
): HistoryCursor | null {
  const last = page[page.length - 1];
  if (!last) return null;
  if (order === 'asc') return { order: 'asc', offset: last.offset };
  const sameMs = page.filter((e) => e.timestamp === last.timestamp).length;
  const carried = previous?.order === 'desc' && previous.timestamp === last.timestamp ? previous.seen : 0;
  return { order: 'desc', offset: last.offset, timestamp: last.timestamp, seen: carried + sameMs };
}
