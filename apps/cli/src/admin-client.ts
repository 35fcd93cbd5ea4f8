import { CliError, ExitCode, unreachable } from './errors';

export type QueryValue = string | number | boolean | undefined;

/** One page of a `/v1` list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How much of a paginated list to read: one page (`limit`, `cursor`) or every page. */
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** Largest page the `/v1` list routes answer; used when following every page. */
const MAX_PAGE = 1000;

/**
 * Calls admin-api's `/v1` routes (docs/admin-api.md) with the operator's token. An answered error
 * becomes a `CliError` carrying the API's code and message (exit 1); a connection failure or a
 * timeout becomes `unreachable` (exit 3).
 */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchFn: typeof fetch,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    opts: { query?: Record<string, QueryValue>; body?: unknown } = {},
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      throw unreachable(`cannot reach admin-api at ${this.baseUrl}: ${reason(e, this.timeoutMs)}`);
    }
    const body = parseJson(text);
    if (!res.ok) throw apiError(res.status, body);
    if (text === '') return undefined as T;
    if (body === undefined) {
      throw new CliError(
        ExitCode.Failed,
        'bad_response',
        `${url.origin} answered ${res.status} with a body that is not JSON: is it admin-api?`,
      );
    }
    return body as T;
  }

  /**
   * Reads a `/v1` list route whose answer holds its items under `key`: the one page asked for when
   * `page` has a limit or a cursor, else every page (following `nextCursor` to the end).
   */
  async list<T>(
    path: string,
    key: string,
    page: PageRequest,
    query: Record<string, QueryValue> = {},
  ): Promise<Page<T>> {
    const one = page.limit !== undefined || page.cursor !== undefined;
    const items: T[] = [];
    let cursor = page.cursor;
    for (;;) {
      const answer = await this.request<Record<string, unknown>>('GET', path, {
        query: { ...query, limit: page.limit ?? (one ? undefined : MAX_PAGE), cursor },
      });
      const got = answer[key];
      if (!Array.isArray(got)) {
        throw new CliError(ExitCode.Failed, 'bad_response', `admin-api answered without "${key}"`);
      }
      items.push(...(got as T[]));
      const next = typeof answer['nextCursor'] === 'string' ? answer['nextCursor'] : null;
      if (one || next === null) return { items, nextCursor: one ? next : null };
      cursor = next;
    }
  }
}

/** A path segment (app, client and channel ids may hold characters URLs reserve). */
export const seg = (id: string): string => encodeURIComponent(id);

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function apiError(status: number, body: unknown): CliError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new CliError(ExitCode.Failed, err.code, err.message);
  }
  return new CliError(ExitCode.Failed, `http_${status}`, `admin-api answered HTTP ${status}`);
}

/** Why a request could not be made: the socket error code (ECONNREFUSED, ENOTFOUND, …) or a timeout. */
export function reason(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
