export interface MicroBatcherOptions {
  /** A batch is handed off as soon as it holds this many items. */
  maxBatch: number;
  /** …or this long after its first item arrived, whichever comes first. */
  maxDelayMs: number;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Groups items into batches and hands each batch to `handOff`. The promise of every `add` settles
 * with its own batch's hand-off: it resolves only once `handOff` resolved for that batch and
 * rejects with its error otherwise. Batches are handed off in the order their items were added.
 */
export class MicroBatcher<T> {
  private pending: Pending<T>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly handOff: (items: T[]) => Promise<void>,
  ) {}

  add(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event queue is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) this.flush();
      else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  /** Hands off what is pending now (does not wait for it). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      const done = this.handOff(batch.map((p) => p.item)).then(
        () => batch.forEach((p) => p.resolve()),
        (e: unknown) => batch.forEach((p) => p.reject(e)),
      );
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    }
  }

  /** Refuses new items, hands off the pending ones and waits until every hand-off settled. */
  async drain(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all([...this.inFlight]);
  }
}
