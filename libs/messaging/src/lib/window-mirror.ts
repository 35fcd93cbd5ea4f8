import type { EventText } from '@channels/contracts';
import type { Broker, WindowTextRead } from '@channels/realtime';

/** Reads the whole hot window of a channel (its length is bounded by the window size). */
const WHOLE_WINDOW = 1_000_000;
/** Rough in-memory cost of a mirrored event beyond its text (objects, array slot, memoised shape). */
const EVENT_OVERHEAD_BYTES = 96;
/**
 * How long a stored tail (events below the window, read from Postgres) is reused. Within an epoch,
 * stored events below the window never change except by retention removing the oldest; this bounds
 * how long an event retention just removed can still be answered.
 */
export const STORED_TAIL_TTL_MS = 10_000;

interface Mirror {
  epoch: string;
  /** Offset of events[0]; events hold base … base + events.length - 1, contiguous. */
  base: number;
  events: EventText[];
  bytes: number;
}

/** The newest stored events below a window (offsets < `below`), newest first, as Postgres gave them. */
interface StoredTail {
  epoch: string;
  below: number;
  events: EventText[];
  /** Fewer events than asked for: nothing older is stored. */
  complete: boolean;
  loadedAt: number;
  bytes: number;
}

/**
 * An in-process copy of the hot windows a service reads history from, so that a read moves only
 * what the window gained since the previous one.
 *
 * Every read still asks Redis, in one script call, for the stream's position (top, epoch, first)
 * and the events after the mirrored top — so an answer is exactly as fresh as a direct window read:
 * every event acked before the request arrived is in it. The mirror is only ever extended with
 * what that call returned; a new epoch (Redis lost the stream, the channel was deleted and made
 * again) or a gap (the window moved past the mirror between two reads) reloads the whole window.
 * Events at offsets up to `top` never change within an epoch, which is what makes the copy valid.
 *
 * Bounded by `maxBytes` (least recently read channels are dropped first); 0 turns it off and every
 * read goes to Redis as it is.
 */
export class WindowMirror {
  private readonly mirrors = new Map<string, Mirror>();
  private readonly tails = new Map<string, StoredTail>();
  private bytes = 0;

  constructor(
    private readonly broker: Broker,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Same answer as `broker.readWindowText(appID, channelID, afterOffset, limit)`. */
  async readWindowText(
    appID: string,
    channelID: string,
    afterOffset: number,
    limit: number,
  ): Promise<WindowTextRead> {
    if (this.maxBytes <= 0) return this.broker.readWindowText(appID, channelID, afterOffset, limit);
    const key = `${appID}\u0000${channelID}`;
    const known = this.mirrors.get(key);
    const knownTop = known ? known.base + known.events.length - 1 : -1;
    let read = await this.broker.readWindowText(appID, channelID, knownTop, WHOLE_WINDOW);
    // Up to the next await, no other read of this process interleaves.
    let m = this.mirrors.get(key);
    if (m) {
      // Most recently read last: the first entries are the ones evicted.
      this.mirrors.delete(key);
      this.mirrors.set(key, m);
    }
    if (known && m && this.extend(m, read)) {
      this.trim(m, read.first);
    } else {
      if (known) read = await this.broker.readWindowText(appID, channelID, -1, WHOLE_WINDOW);
      m = this.replace(key, read);
    }
    this.evict();
    return slice(m, read, afterOffset, limit);
  }

  get size(): number {
    return this.mirrors.size;
  }

  /**
   * The newest `limit` stored events below the window `read` describes (offsets < `read.first`),
   * newest first — what `load(limit)` returns from Postgres. A channel whose window is short or
   * empty (Redis lost it, or few events since) answers "the last N" from Postgres on every read;
   * those events do not change while the window's epoch and first offset stay the same (publishes
   * only add above them), so the answer is kept and reused for up to STORED_TAIL_TTL_MS (the bound
   * on retention's deletions). Shares the mirror's memory budget; off with it.
   */
  async storedTail(
    appID: string,
    channelID: string,
    read: WindowTextRead,
    limit: number,
    load: (limit: number) => Promise<EventText[]>,
  ): Promise<EventText[]> {
    if (this.maxBytes <= 0) return load(limit);
    const key = `${appID}\u0000${channelID}`;
    const t = this.tails.get(key);
    if (
      t &&
      t.epoch === read.epoch &&
      t.below === read.first &&
      this.now() - t.loadedAt < STORED_TAIL_TTL_MS &&
      (t.events.length >= limit || t.complete)
    ) {
      this.tails.delete(key);
      this.tails.set(key, t);
      return t.events.slice(0, limit);
    }
    const loadedAt = this.now();
    const events = await load(limit);
    const old = this.tails.get(key);
    if (old) {
      this.tails.delete(key);
      this.bytes -= old.bytes;
    }
    let bytes = 0;
    for (const e of events) bytes += cost(e);
    this.tails.set(key, {
      epoch: read.epoch,
      below: read.first,
      events,
      complete: events.length < limit,
      loadedAt,
      bytes,
    });
    this.bytes += bytes;
    this.evict();
    return events.slice();
  }

  /**
   * Appends what `read` (events after an offset the mirror held, same epoch) adds to the mirror.
   * False, leaving the mirror as it was, when it does not continue it: another epoch, events
   * missing between, or a window the mirror no longer matches.
   */
  private extend(m: Mirror, read: WindowTextRead): boolean {
    if (read.epoch !== m.epoch || (m.base > read.first && m.events.length > 0)) return false;
    const top = m.base + m.events.length - 1;
    // The window's events are contiguous up to read.top: the new ones continue the mirror exactly
    // when they reach read.top from top + 1 (a concurrent read may have appended some already).
    const fresh = read.events.filter((e) => e.offset > top);
    if (read.top > top + fresh.length) return false;
    for (const e of fresh) {
      m.events.push(e);
      const b = cost(e);
      m.bytes += b;
      this.bytes += b;
    }
    return true;
  }

  private replace(key: string, read: WindowTextRead): Mirror {
    const old = this.mirrors.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.mirrors.delete(key);
    }
    const events = read.events.slice();
    let bytes = 0;
    for (const e of events) bytes += cost(e);
    const m: Mirror = { epoch: read.epoch, base: events[0]?.offset ?? read.first, events, bytes };
    this.mirrors.set(key, m);
    this.bytes += bytes;
    return m;
  }

  /** Forgets events the window no longer holds, once they are as many as those it does. */
  private trim(m: Mirror, first: number): void {
    const drop = first - m.base;
    if (drop <= 0 || drop < m.events.length - drop) return;
    let freed = 0;
    for (let i = 0; i < drop && i < m.events.length; i++) freed += cost(m.events[i]);
    m.events = m.events.slice(drop);
    m.base = first;
    m.bytes -= freed;
    this.bytes -= freed;
  }

  /** Least recently read first: stored tails (one Postgres read to rebuild), then windows. */
  private evict(): void {
    for (const [key, t] of this.tails) {
      if (this.bytes <= this.maxBytes) return;
      if (this.tails.size <= 1) break; // the one just read stays; windows go next
      this.tails.delete(key);
      this.bytes -= t.bytes;
    }
    for (const [key, m] of this.mirrors) {
      if (this.bytes <= this.maxBytes || this.mirrors.size <= 1) return;
      this.mirrors.delete(key);
      this.bytes -= m.bytes;
    }
  }
}

function cost(e: EventText): number {
  return e.json.length * 2 + EVENT_OVERHEAD_BYTES;
}

/** The part of the mirror a window read with these bounds returns, as of `read`'s position. */
function slice(m: Mirror, read: WindowTextRead, afterOffset: number, limit: number): WindowTextRead {
  // The window at the time of `read`: offsets first … top.
  const lo = Math.max(read.first, m.base);
  const hi = read.top;
  let from: number;
  let to: number; // inclusive offsets
  if (afterOffset < 0) {
    to = hi;
    from = Math.max(lo, hi - limit + 1);
  } else {
    from = Math.max(lo, afterOffset + 1);
    to = Math.min(hi, from + limit - 1);
  }
  const events = from > to ? [] : m.events.slice(from - m.base, to - m.base + 1);
  return {
    top: read.top,
    first: read.first,
    durable: read.durable,
    epoch: read.epoch,
    events,
    complete: afterOffset < 0 || afterOffset + 1 >= read.first || read.top <= afterOffset,
  };
}
