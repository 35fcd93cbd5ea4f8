import { ApiError, type ErrorCode } from './api-error';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * admin-api's `/v1`, same origin, with the signed-in token. Every failure is an `ApiError` carrying
 * the API's own code and message; a 401 also calls `onUnauthorized` (the session is over).
 */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void = () => undefined,
    private readonly base = '',
  ) {}

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {} });
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body: body ?? {} });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path, {});
  }

  async request<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const url = this.base + path + queryString(opts.query);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'admin-api cannot be reached; check the connection and try again');
    }
    const text = await res.text();
    const body: unknown = text ? parseJson(text) : undefined;
    if (!res.ok) {
      const err = errorOf(body);
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(
        res.status,
        err?.code ?? (res.status === 401 ? 'unauthorized' : 'internal'),
        err?.message ?? `admin-api answered ${res.status} ${res.statusText}`,
      );
    }
    return body as T;
  }
}

/** `/v1/apps/{appID}…` with every id percent-encoded (channel ids may hold `#`, `,`, `$`). */
export function path(strings: TemplateStringsArray, ...ids: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < ids.length ? encodeURIComponent(ids[i]) : ''), '');
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorOf(body: unknown): { code: ErrorCode; message: string } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const e = (body as { error: unknown }).error;
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message } = e as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string'
    ? { code: code as ErrorCode, message }
    : undefined;
}
