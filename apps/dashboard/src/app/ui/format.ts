/** A unix-ms time as the viewer's local date and time. */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A JSON value on one line, strings quoted so that `"1"` and `1` differ. */
export function formatPayload(payload: unknown): string {
  return JSON.stringify(payload);
}

const UNITS: [seconds: number, one: string, many: string][] = [
  [86_400, 'day', 'days'],
  [3_600, 'hour', 'hours'],
  [60, 'minute', 'minutes'],
  [1, 'second', 'seconds'],
];

/** A number of seconds in the largest unit that divides it (`86400` → `1 day`, `90` → `90 seconds`). */
export function formatSeconds(seconds: number): string {
  for (const [size, one, many] of UNITS) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n.toLocaleString()} ${n === 1 ? one : many}`;
    }
  }
  return `${seconds} seconds`;
}

/**
 * A channel's (or namespace's) retention in words: `historySize` / `historyTTLSeconds` as
 * `/v1` answers them (null: the deployment default; 0: no limit).
 */
export function formatRetention(historySize: number | null, historyTTLSeconds: number | null): string {
  const size =
    historySize === null
      ? 'deployment default size'
      : historySize === 0
        ? 'every event'
        : `newest ${historySize.toLocaleString()} events`;
  const age =
    historyTTLSeconds === null
      ? 'deployment default age'
      : historyTTLSeconds === 0
        ? 'no age limit'
        : `up to ${formatSeconds(historyTTLSeconds)} old`;
  return `${size}, ${age}`;
}
