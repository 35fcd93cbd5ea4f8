import { CliError } from './errors';

/** Where a command writes: stdout for results, stderr for notices and errors. */
export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * A command's output. With `--json`, stdout carries only JSON (one document per command, or one
 * line per event for `tail`) and an error ending the command is one JSON line on stderr,
 * `{"error": {"code", "message"}}` — the API's own shape. Without it, both are plain text.
 */
export class Output {
  constructor(
    private readonly streams: Streams,
    readonly json: boolean,
  ) {}

  /** The command's result: `value` as JSON with `--json`, else the text `render` makes. */
  result(value: unknown, render: () => string | string[]): void {
    if (this.json) {
      this.streams.stdout(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const text = render();
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length) this.streams.stdout(`${lines.join('\n')}\n`);
  }

  /** One line of a stream of results (`tail`): compact JSON with `--json`, else the text. */
  line(value: unknown, text: string): void {
    this.streams.stdout(`${this.json ? JSON.stringify(value) : text}\n`);
  }

  /** Progress and warnings for the person watching; never on stdout. */
  notice(message: string): void {
    this.streams.stderr(`channels: ${message}\n`);
  }

  error(e: CliError): void {
    if (this.json)
      this.streams.stderr(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
    else this.streams.stderr(`channels: ${e.code === 'usage' ? '' : `${e.code}: `}${e.message}\n`);
  }
}

/** Left-aligned columns with a header row; cells are turned into strings, empty as `-`. */
export function table(header: string[], rows: unknown[][]): string[] {
  const cells = [header, ...rows.map((r) => r.map(cell))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `label  value` lines, labels padded to one width. */
export function fields(pairs: [string, unknown][]): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`);
}

function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Unix milliseconds as an ISO time (UTC). */
export const isoTime = (ms: number | undefined | null): string =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : '-';

/** One event as a line: `#offset time eventType senderID payload` (offset `-` on unstored events). */
export function eventLine(e: {
  offset?: number;
  timestamp: number;
  eventType: string;
  senderID: string;
  payload: unknown;
}): string {
  return [
    e.offset !== undefined ? `#${e.offset}` : '#-',
    isoTime(e.timestamp),
    e.eventType,
    e.senderID,
    JSON.stringify(e.payload),
  ].join('  ');
}
