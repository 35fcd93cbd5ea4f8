/** A stand-in for admin-api behind `fetch`: routes answer from handlers; every call is recorded. */
export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | null;
}

export interface Answer {
  status?: number;
  body?: unknown;
}

type Handler = (call: Call, params: string[]) => Answer | Promise<Answer>;

export class FakeApi {
  readonly calls: Call[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  /** `path` may hold `:param` segments (matched percent-encoded, handed over decoded). */
  on(method: string, path: string, handler: Handler | Answer): this {
    const pattern = new RegExp(`^${path.replace(/:[A-Za-z]+/g, '([^/]+)')}$`);
    this.routes.push({ method, pattern, handler: typeof handler === 'function' ? handler : () => handler });
    return this;
  }

  /** Calls of `method path` made so far. */
  made(method: string, path: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.path === path);
  }

  install(): void {
    globalThis.fetch = (async (input: string | URL, init?: RequestInit) => {
      const url = new URL(String(input), 'http://dashboard.test');
      const method = init?.method ?? 'GET';
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const call: Call = {
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
        authorization: headers['Authorization'] ?? null,
      };
      this.calls.push(call);
      // The latest matching route wins (a test overrides a default answer by adding one).
      for (const r of this.routes.filter((x) => x.method === method).reverse()) {
        const m = r.pattern.exec(url.pathname);
        if (m) return respond(await r.handler(call, m.slice(1).map(decodeURIComponent)));
      }
      return respond({
        status: 404,
        body: { error: { code: 'not_found', message: `route ${method} ${url.pathname} not found` } },
      });
    }) as typeof fetch;
  }
}

function respond({ status = 200, body }: Answer): Response {
  const text = body === undefined ? '' : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: String(status),
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
  } as Response;
}

export const apiError = (status: number, code: string, message: string): Answer => ({
  status,
  body: { error: { code, message } },
});
