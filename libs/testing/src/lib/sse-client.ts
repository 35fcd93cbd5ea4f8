/** One message of an SSE stream. */
export interface SseMessage {
  event: string;
  data: string;
  /** The message's `id:` (undefined when it had none). */
  id: string | undefined;
}

/** A refused SSE request: its status and body. */
export class SseRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`SSE request refused with HTTP ${status}: ${body}`);
    this.name = 'SseRefused';
  }
}

/**
 * A minimal SSE reader for tests (what a browser's EventSource parses, without reconnecting):
 * messages with their event name, data and id; comment lines counted; the last id seen.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  comments = 0;
  lastEventId: string | undefined;
  /** Resolves when the server ends the stream (or it breaks). */
  readonly ended: Promise<void>;
  private readonly abort = new AbortController();
  private waiters: { match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
  private readonly taken = new Set<SseMessage>();

  private constructor(body: ReadableStream<Uint8Array>) {
    this.ended = this.read(body);
  }

  /** Opens `url`; rejects with `SseRefused` when the answer is not a stream. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, {
      headers: { Accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new SseRefused(res.status, await res.text());
    const c = new SseClient(res.body);
    c.abort.signal.addEventListener('abort', () => abort.abort());
    return c;
  }

  /** The first message named `event` (matching `predicate`) not yet returned by `next`. */
  next(
    event: string,
    predicate: (data: unknown) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SseMessage> {
    const match = (m: SseMessage) => m.event === event && !this.taken.has(m) && predicate(JSON.parse(m.data));
    const found = this.messages.find(match);
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out waiting for an SSE "${event}" (got: ${this.messages.map((m) => m.event).join(', ')})`,
          ),
        );
      }, timeoutMs);
      const done = (m: SseMessage) => {
        clearTimeout(timer);
        this.taken.add(m);
        resolve(m);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Parsed data of every message named `event`. */
  data<T = Record<string, unknown>>(event: string): T[] {
    return this.messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data) as T);
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let event = 'message';
    let data: string[] = [];
    let id: string | undefined;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (data.length > 0) this.dispatch({ event, data: data.join('\n'), id });
            event = 'message';
            data = [];
            id = undefined;
          } else if (line.startsWith(':')) {
            this.comments++;
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
            else if (field === 'id') {
              id = value;
              this.lastEventId = value;
            }
          }
        }
      }
    } catch {
      // aborted or broken: the stream ended
    }
  }

  private dispatch(m: SseMessage): void {
    this.messages.push(m);
    const w = this.waiters.find((x) => x.match(m));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(m);
    }
  }
}
