/**
 * A socket.io-client socket (what `@channels/client` uses of it) without a network: the test plays
 * the gateway — it answers the calls
 * the page makes (`answer`) and pushes server events (`push`).
 */
type Listener = (...args: unknown[]) => void;
const RESERVED = new Set(['connect', 'connect_error', 'disconnect']);
type Answerer = (payload: unknown) => unknown;

export class FakeSocket {
  active = true;
  readonly sent: { name: string; payload: unknown }[] = [];
  readonly options: unknown;
  private listeners = new Map<string, Listener[]>();
  private anyListeners: Listener[] = [];
  private readonly answers = new Map<string, Answerer>();

  constructor(
    readonly url: string,
    options: unknown,
  ) {
    this.options = options;
  }

  on(name: string, fn: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }

  onAny(fn: Listener): this {
    this.anyListeners.push(fn);
    return this;
  }

  offAny(): this {
    this.anyListeners = [];
    return this;
  }

  removeAllListeners(): this {
    this.listeners = new Map();
    return this;
  }

  close(): this {
    this.active = false;
    return this;
  }

  emit(name: string, payload: unknown, ack?: (r: unknown) => void): this {
    this.sent.push({ name, payload });
    const answer = this.answers.get(name);
    if (ack && answer) queueMicrotask(() => ack(answer(payload)));
    return this;
  }

  timeout(_ms: number) {
    return {
      emit: (name: string, payload: unknown, ack: (err: Error | null, r: unknown) => void) =>
        this.emit(name, payload, (r) => ack(null, r)),
    };
  }

  disconnect(): this {
    this.active = false;
    this.push('disconnect', 'io client disconnect');
    return this;
  }

  /** How the gateway answers `name` calls. */
  answer(name: string, fn: Answerer): this {
    this.answers.set(name, fn);
    return this;
  }

  /** A server → client event (socket.io's own events reach `on` listeners only). */
  push(name: string, payload?: unknown): void {
    for (const fn of this.listeners.get(name) ?? []) fn(payload);
    if (!RESERVED.has(name)) for (const fn of this.anyListeners) fn(name, payload);
  }

  sentNamed(name: string): unknown[] {
    return this.sent.filter((s) => s.name === name).map((s) => s.payload);
  }
}

/** A subscribe answer for `channelID` at `offset`/`epoch`, with recovered `events`. */
export const subscribed = (channelID: string, offset = 0, epoch = 'E1', events: unknown[] = []) => ({
  ok: true,
  results: { [channelID]: { ok: true, offset, epoch, recovered: events.length > 0, events } },
});

export const liveEvent = (channelID: string, offset: number, payload: unknown, epoch = 'E1') => ({
  id: `ev-${offset}`,
  channelID,
  offset,
  epoch,
  eventType: 'msg',
  payload,
  senderID: 'alice',
  timestamp: 1_700_000_000_000 + offset,
});
