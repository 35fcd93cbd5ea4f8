import { eventFromText, type StoredEvent } from '@channels/contracts';
import type { Broker, OutboxEntry } from '@channels/realtime';

export interface OutboxSweeperOptions {
  /** An outbox entry older than this is looked at (its events should have been committed by then). */
  staleMs: number;
  /** Channels looked at per pass. */
  channelsPerPass: number;
  /** Uncommitted events re-sent per channel per pass at most. */
  eventsPerChannel: number;
}

export interface OutboxSweeperHooks {
  /** Hands events back to the writer (one persist-batch job). */
  resend(events: StoredEvent[]): Promise<void>;
  /**
   * Unix ms of the oldest job waiting in the queue, or null. Entries newer than it are not swept:
   * their events are probably still in the queue, not lost.
   */
  oldestWaitingSince(): Promise<number | null>;
}

export interface SweepResult {
  /** Events re-sent to the writer. */
  resent: number;
  /** Channels removed from the index (nothing uncommitted). */
  cleared: number;
  /** Unix ms of the oldest entry still in the index after the pass, or null. */
  oldestSince: number | null;
}

/**
 * The safety net of "ack means it will be stored": a stored publish lists its channel in the outbox
 * index before its publish script runs, and its events stay in the channel's window until the
 * writer committed them. A publisher that died after the script but before its hand-off to the
 * queue (or whose hand-off failed, or whose commit went out of order) leaves a channel whose
 * watermark stays below its top: the sweeper finds it by its age in the index and re-sends the
 * window's uncommitted events to the queue. The writer stores them once (it ignores rows it has) and
 * marks them committed. Entries with nothing uncommitted are removed, and checked once more on the
 * next pass (a publish racing the removal re-lists its channel then).
 */
export class OutboxSweeper {
  private recheck: { appID: string; channelID: string }[] = [];

  constructor(
    private readonly broker: Broker,
    private readonly options: OutboxSweeperOptions,
    private readonly hooks: OutboxSweeperHooks,
    private readonly now: () => number = Date.now,
  ) {}

  async pass(): Promise<SweepResult> {
    const result: SweepResult = { resent: 0, cleared: 0, oldestSince: null };
    const now = this.now();
    for (const c of this.recheck.splice(0)) {
      const read = await this.broker.readUncommittedText(c.appID, c.channelID, 1);
      if (read && read.top > read.durable) await this.broker.touchOutbox(c.appID, c.channelID, now);
    }
    const waiting = await this.hooks.oldestWaitingSince();
    const olderThan = Math.min(now - this.options.staleMs, waiting ?? Number.POSITIVE_INFINITY);
    for (const entry of await this.broker.staleOutbox(olderThan, this.options.channelsPerPass)) {
      result.resent += await this.sweep(entry, now, result);
    }
    result.oldestSince = (await this.broker.staleOutbox(Number.POSITIVE_INFINITY, 1))[0]?.since ?? null;
    return result;
  }

  private async sweep(entry: OutboxEntry, now: number, result: SweepResult): Promise<number> {
    const read = await this.broker.readUncommittedText(
      entry.appID,
      entry.channelID,
      this.options.eventsPerChannel,
    );
    if (!read || read.top <= read.durable) {
      if (await this.broker.clearOutbox(entry)) {
        result.cleared++;
        if (read) this.recheck.push({ appID: entry.appID, channelID: entry.channelID });
      }
      return 0;
    }
    const events: StoredEvent[] = read.events.map((t) => {
      const e = eventFromText(t);
      return {
        appID: entry.appID,
        channelID: e.channelID,
        id: e.id,
        offset: t.offset,
        epoch: read.epoch,
        eventType: e.eventType,
        payload: e.payload,
        senderID: e.senderID,
        timestamp: e.timestamp,
      };
    });
    if (events.length > 0) await this.hooks.resend(events);
    await this.broker.touchOutbox(entry.appID, entry.channelID, now);
    return events.length;
  }
}
