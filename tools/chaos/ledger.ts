/**
 * The chaos run's ledger: what publishers were acknowledged, what every subscriber received, and
 * the reconciliation of both with the rows PostgreSQL holds. Pure bookkeeping (no I/O), so the
 * rules that decide a violation are unit-tested on their own (ledger.spec.ts).
 *
 * Definitions (the ones docs/reliability.md states):
 * - a **gap presented as recovered**: within one epoch, a subscriber's next event (live, or in a
 *   `recovered: true` answer) skips offsets, with no `recovered: false` answer in between. An epoch
 *   change is never a gap: the client sees the new epoch (on a live event or in a subscribe answer)
 *   and knows continuity is broken.
 * - a **duplicate**: an offset of the current epoch delivered twice to one subscriber;
 *   **out of order**: an offset lower than the last one delivered, never delivered before.
 * - a **missing** event: acknowledged to its publisher, absent from PostgreSQL after the drain.
 * - a **duplicate row**: two rows for one publisher id, or for one payload key (`payload.k`).
 */

export type AckMode = 'queued' | 'committed';

/** One position of a subscriber in a channel: the last offset it holds, in which epoch. */
export interface Position {
  offset: number;
  epoch: string;
}

/** The per-phase counters of the subscribers' side. */
export interface DeliveryCounts {
  delivered: number;
  gaps: number;
  gapEvents: number;
  duplicates: number;
  outOfOrder: number;
  recoveredFalse: number;
  recoveredTrue: number;
  liveEpochChanges: number;
  subscribeErrors: number;
  reconnects: number;
  maxReconnectMs: number;
}

export const emptyDeliveryCounts = (): DeliveryCounts => ({
  delivered: 0,
  gaps: 0,
  gapEvents: 0,
  duplicates: 0,
  outOfOrder: 0,
  recoveredFalse: 0,
  recoveredTrue: 0,
  liveEpochChanges: 0,
  subscribeErrors: 0,
  reconnects: 0,
  maxReconnectMs: 0,
});

/** A violation found while tracking, with enough context to find it in the logs. */
export interface Anomaly {
  phase: string;
  subscriber: string;
  channelID: string;
  kind: 'gap' | 'duplicate' | 'out_of_order' | 'recovered_other_epoch' | 'tail';
  detail: string;
}

/** A subscribe answer for one channel, as the gateway sends it. */
export interface SubscribeResult {
  ok: boolean;
  offset?: number;
  epoch?: string;
  recovered?: boolean;
  events?: { offset?: number; epoch?: string }[];
  error?: { code: string; message?: string };
}

/**
 * What one subscriber (one client, across all its reconnects) received, per channel. Counters go
 * to the phase in force when something happened (`phase()` is read at each call).
 */
export class SubscriberTrack {
  private readonly positions = new Map<string, Position>();
  /** Offsets received in the channel's current epoch (duplicates vs out-of-order). */
  private readonly seen = new Map<string, Set<number>>();
  readonly anomalies: Anomaly[] = [];
  private readonly maxAnomalies = 200;

  constructor(
    readonly name: string,
    private readonly phase: () => string,
    private readonly counts: (phase: string) => DeliveryCounts,
  ) {}

  /** `recover` for the next subscribe: every channel this subscriber already holds a position in. */
  recoverRequest(): Record<string, Position> {
    return Object.fromEntries(this.positions);
  }

  position(channelID: string): Position | undefined {
    return this.positions.get(channelID);
  }

  /** The answer for one channel of a subscribe that asked to recover from `asked` (or not). */
  onSubscribed(channelID: string, asked: Position | undefined, r: SubscribeResult): void {
    const c = this.counts(this.phase());
    if (!r.ok || r.offset === undefined || r.epoch === undefined) {
      c.subscribeErrors++;
      return;
    }
    if (!asked) {
      this.reset(channelID, { offset: r.offset, epoch: r.epoch });
      return;
    }
    if (r.recovered === false) {
      c.recoveredFalse++;
      this.reset(channelID, { offset: r.offset, epoch: r.epoch });
      return;
    }
    if (r.recovered === true) {
      c.recoveredTrue++;
      if (r.epoch !== asked.epoch) {
        // Recovery across epochs cannot be gapless: the answer claims what the contract forbids.
        this.note(channelID, 'recovered_other_epoch', `asked ${asked.epoch}@${asked.offset}, got ${r.epoch}`);
        c.gaps++;
        this.reset(channelID, { offset: r.offset, epoch: r.epoch });
        return;
      }
      for (const e of r.events ?? []) {
        if (typeof e.offset === 'number') this.onEvent(channelID, e.offset, e.epoch ?? r.epoch);
      }
      // The answer's offset is the last one it covers; an events list shorter than that is a gap.
      if (r.offset > (this.positions.get(channelID)?.offset ?? asked.offset)) {
        this.onEvent(channelID, r.offset, r.epoch, { positionOnly: true });
      }
    }
  }

  /** One event delivered (live or inside a recovery answer). */
  onEvent(channelID: string, offset: number, epoch: string, { positionOnly = false } = {}): void {
    const c = this.counts(this.phase());
    const pos = this.positions.get(channelID);
    if (!positionOnly) c.delivered++;
    if (!pos) {
      // An event before the subscribe answer: the gateway holds those, so this is only a stray
      // event of a channel subscribed by an earlier connection; it starts the position.
      this.reset(channelID, { offset, epoch });
      this.seen.get(channelID)?.add(offset);
      return;
    }
    if (epoch !== pos.epoch) {
      c.liveEpochChanges++;
      this.reset(channelID, { offset, epoch });
      this.seen.get(channelID)?.add(offset);
      return;
    }
    const seen = this.seen.get(channelID) ?? new Set<number>();
    if (offset === pos.offset + 1) {
      pos.offset = offset;
      seen.add(offset);
    } else if (offset > pos.offset + 1) {
      c.gaps++;
      c.gapEvents += offset - pos.offset - 1;
      this.note(
        channelID,
        'gap',
        `${epoch}: after ${pos.offset} came ${offset}${positionOnly ? ' (answer)' : ''}`,
      );
      pos.offset = offset;
      seen.add(offset);
    } else if (seen.has(offset) || offset <= this.floor(channelID)) {
      c.duplicates++;
      this.note(channelID, 'duplicate', `${epoch}: ${offset} again (at ${pos.offset})`);
    } else {
      c.outOfOrder++;
      seen.add(offset);
      this.note(channelID, 'out_of_order', `${epoch}: ${offset} after ${pos.offset}`);
    }
  }

  /**
   * End of the run: the subscriber should hold every channel's last acknowledged offset of the final
   * epoch. Returns the events it is missing at the tail (and notes them as a gap).
   */
  checkTail(channelID: string, last: Position | undefined): number {
    const pos = this.positions.get(channelID);
    if (!last || !pos) return 0;
    const c = this.counts(this.phase());
    if (pos.epoch !== last.epoch) {
      c.gaps++;
      this.note(
        channelID,
        'tail',
        `still in epoch ${pos.epoch}@${pos.offset}; the channel is at ${last.epoch}@${last.offset}`,
      );
      return 1;
    }
    if (pos.offset < last.offset) {
      c.gaps++;
      c.gapEvents += last.offset - pos.offset;
      this.note(channelID, 'tail', `${pos.epoch}: holds ${pos.offset}, last acked ${last.offset}`);
      return last.offset - pos.offset;
    }
    return 0;
  }

  /** Offsets at or below the first one of the epoch's tracking were delivered before (or skipped). */
  private readonly floors = new Map<string, number>();
  private floor(channelID: string): number {
    return this.floors.get(channelID) ?? -1;
  }

  private reset(channelID: string, pos: Position): void {
    this.positions.set(channelID, { ...pos });
    this.seen.set(channelID, new Set());
    this.floors.set(channelID, pos.offset);
  }

  private note(channelID: string, kind: Anomaly['kind'], detail: string): void {
    if (this.anomalies.length < this.maxAnomalies)
      this.anomalies.push({ phase: this.phase(), subscriber: this.name, channelID, kind, detail });
  }
}

/** One acknowledged publish. */
export interface AckedEvent {
  id: string;
  channelID: string;
  mode: AckMode;
  /** Phase in force when the publish was first tried. */
  phase: string;
  offset: number;
  epoch: string;
  ackedAt: number;
  attempts: number;
}

/** One stored row, as read back from PostgreSQL. */
export interface StoredRow {
  channelID: string;
  id: string;
  offset: number;
  epoch: string;
  key: string | null;
}

export interface PublishCounts {
  acked: number;
  missing: number;
  /** Stored, but at another offset/epoch than the acknowledgement said. */
  moved: number;
  retried: number;
  /** For the missing ones: the longest time between their ack and the fault's start, ms. */
  missingMaxAgeMs: number;
  /** Missing events acknowledged after the fault started (never excusable). */
  missingAfterFault: number;
  /** Extra rows for these acked events (by publisher id or by payload key). */
  duplicateRows: number;
}

export const emptyPublishCounts = (): PublishCounts => ({
  acked: 0,
  missing: 0,
  moved: 0,
  retried: 0,
  missingMaxAgeMs: 0,
  missingAfterFault: 0,
  duplicateRows: 0,
});

export interface Reconciliation {
  /** phase → mode → counts. */
  byPhase: Map<string, Map<AckMode, PublishCounts>>;
  duplicateIds: number;
  duplicateKeys: number;
  /** Rows without an acknowledgement: publishes stored but never acked (e.g. retried in vain). */
  unackedRows: number;
  examples: { missing: AckedEvent[]; duplicates: string[] };
}

/**
 * Reconciles the acknowledgements with the stored rows. `faultAt` gives, per phase, when its fault
 * struck (ms), to age the missing events against it.
 */
export function reconcile(
  acked: Iterable<AckedEvent>,
  rows: Iterable<StoredRow>,
  faultAt: ReadonlyMap<string, number>,
): Reconciliation {
  const byId = new Map<string, StoredRow[]>();
  const byKey = new Map<string, number>();
  for (const row of rows) {
    const k = `${row.channelID}\u0000${row.id}`;
    const list = byId.get(k);
    if (list) list.push(row);
    else byId.set(k, [row]);
    if (row.key !== null) byKey.set(row.key, (byKey.get(row.key) ?? 0) + 1);
  }
  const out: Reconciliation = {
    byPhase: new Map(),
    duplicateIds: 0,
    duplicateKeys: 0,
    unackedRows: 0,
    examples: { missing: [], duplicates: [] },
  };
  for (const [k, list] of byId) {
    if (list.length > 1) {
      out.duplicateIds += list.length - 1;
      if (out.examples.duplicates.length < 20) out.examples.duplicates.push(k.replace('\u0000', '/'));
    }
  }
  for (const [key, n] of byKey) {
    if (n > 1) {
      out.duplicateKeys += n - 1;
      if (out.examples.duplicates.length < 20) out.examples.duplicates.push(`payload key ${key}`);
    }
  }
  const ackedIds = new Set<string>();
  for (const a of acked) {
    const k = `${a.channelID}\u0000${a.id}`;
    ackedIds.add(k);
    const modes = out.byPhase.get(a.phase) ?? new Map<AckMode, PublishCounts>();
    out.byPhase.set(a.phase, modes);
    const c = modes.get(a.mode) ?? emptyPublishCounts();
    modes.set(a.mode, c);
    c.acked++;
    if (a.attempts > 1) c.retried++;
    const stored = byId.get(k);
    c.duplicateRows += Math.max(0, (stored?.length ?? 0) - 1, (byKey.get(a.id) ?? 0) - 1);
    if (!stored) {
      c.missing++;
      const at = faultAt.get(a.phase);
      if (at !== undefined) {
        if (a.ackedAt > at) c.missingAfterFault++;
        else c.missingMaxAgeMs = Math.max(c.missingMaxAgeMs, at - a.ackedAt);
      }
      if (out.examples.missing.length < 20) out.examples.missing.push(a);
    } else if (!stored.some((r) => r.offset === a.offset && r.epoch === a.epoch)) {
      c.moved++;
    }
  }
  for (const k of byId.keys()) if (!ackedIds.has(k)) out.unackedRows++;
  return out;
}

/** Least-squares slope and the spread of the residuals around the fitted line. */
export function linearFit(points: readonly { x: number; y: number }[]): {
  slope: number;
  intercept: number;
  mean: number;
  residualStd: number;
} {
  const n = points.length;
  if (n === 0) return { slope: NaN, intercept: NaN, mean: NaN, residualStd: NaN };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  const ss = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  return { slope, intercept, mean: my, residualStd: Math.sqrt(ss / Math.max(1, n - 2)) };
}

/**
 * The soak's bar, "no growth beyond noise": over the measured window (after warm-up), the fitted
 * growth `slope × window` stays within the larger of 3 × the residual spread (what the sawtooth of
 * garbage collection moves by itself) and 5% of the mean. A leak grows steadily: its residuals stay
 * small while its fitted growth keeps rising with the window.
 */
export function growthVerdict(points: readonly { x: number; y: number }[]): {
  slope: number;
  growth: number;
  allowance: number;
  mean: number;
  pass: boolean;
} {
  const fit = linearFit(points);
  const window = points.length ? points[points.length - 1].x - points[0].x : 0;
  const growth = fit.slope * window;
  const allowance = Math.max(3 * fit.residualStd, 0.05 * fit.mean);
  return {
    slope: fit.slope,
    growth,
    allowance,
    mean: fit.mean,
    pass: points.length >= 3 && growth <= allowance,
  };
}
