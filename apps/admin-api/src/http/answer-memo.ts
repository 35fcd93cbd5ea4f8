/**
 * The last answer rendered for each key (a channel), reused while the answer is made of the very
 * same event objects in the same order.
 *
 * History answers of a channel nobody publishes to are cut from event objects admin-api keeps in
 * memory (the window mirror, the stored tail), and are the same answer request after request; the
 * ≈ 100 KB of JSON text of a 500-event answer was most of what such a request allocated. An answer
 * is stored on its second sight (the same first event object as the previous answer of its key),
 * so answers read from Postgres — fresh objects every time — are never kept: their events die with
 * the request, and the memo only holds a weak reference to the first of them. Least recently used
 * keys go first once what it keeps exceeds `maxBytes` (0 turns the memo off).
 */
export class AnswerMemo<E extends object> {
  private readonly entries = new Map<string, Entry<E>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** `render(events)`, or the text rendered earlier for `key` from the same events. */
  text(key: string, events: readonly E[], render: (events: readonly E[]) => string): string {
    if (this.maxBytes <= 0 || events.length === 0) return render(events);
    const entry = this.entries.get(key);
    if (entry?.kept && sameEvents(entry.kept.events, events)) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.kept.text;
    }
    const text = render(events);
    const secondSight = entry !== undefined && entry.first.deref() === events[0];
    if (entry) this.drop(key, entry);
    const next: Entry<E> = { first: new WeakRef(events[0]) };
    if (secondSight && cost(text) <= this.maxBytes / 4) {
      next.kept = { events: events.slice(), text };
      this.bytes += cost(text);
    }
    this.entries.set(key, next);
    this.evict();
    return text;
  }

  private drop(key: string, entry: Entry<E>): void {
    this.entries.delete(key);
    if (entry.kept) this.bytes -= cost(entry.kept.text);
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= MAX_KEYS) return;
      this.drop(key, entry);
    }
  }
}

/** Keys remembered at most (a weak reference each when no text is kept). */
const MAX_KEYS = 10_000;

interface Entry<E extends object> {
  /** The first event of the key's previous answer. */
  first: WeakRef<E>;
  kept?: { events: readonly E[]; text: string };
}

/**
 * What keeping an answer costs: its text (one byte per character: JSON, mostly ASCII) and about as
 * much again for the events it holds — usually the mirror's own, but kept alive by the memo after
 * the mirror lets them go.
 */
function cost(text: string): number {
  return 2 * text.length;
}

function sameEvents<E>(a: readonly E[], b: readonly E[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
