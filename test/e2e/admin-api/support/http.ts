/** A tiny HTTP client for the admin-api e2e tests: JSON in, JSON (or text) out, never throws on status. */
export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  /** Sent as the `AppID` header (original routes). */
  appID?: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent verbatim (malformed JSON, huge bodies…). */
  raw?: string;
  headers?: Record<string, string>;
}

export class Http {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token !== undefined) headers['Authorization'] = o.token;
    if (o.appID !== undefined) headers['AppID'] = o.appID;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  get<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('GET', path, o);
  }
  post<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('POST', path, o);
  }
  put<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('PUT', path, o);
  }
  patch<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('PATCH', path, o);
  }
  delete<T = unknown>(path: string, o?: RequestOptions) {
    return this.request<T>('DELETE', path, o);
  }
}

/** The protocol's error body. */
export interface ErrorReply {
  error: { code: string; message: string };
}

/** Matches `{"error": {"code": <code>, "message": <non-empty string>}}`. */
export const errorShape = (code: string) => ({ error: { code, message: expect.any(String) } });

/** Polls `fn` until it returns a truthy value (events travel through Redis and the writer). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
