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
