import type { StoredEvent } from '@channels/contracts';
import type { Broker, StreamRef } from '@channels/realtime';

/** Dropped streams remembered in this process (they never come back); past this, the set restarts. */
const REMEMBERED_MAX = 100_000;

/**
 * Separates the events of deleted channels from a batch. Deleting a channel drops its stream and
 * remembers the stream's epoch as dropped (`Broker.dropStream`); an event of that epoch still in
 * the queue (published just before the delete, the writer behind) must not be stored — above all
 * not in a channel re-created under the same id, whose stream has a new epoch. One Redis round
 * trip per batch asks about the batch's distinct streams; a "dropped" answer is final and kept.
 */
export class DroppedStreams {
  private readonly known = new Set<string>();

  constructor(private readonly broker: Broker) {}

  /** `events` without those of dropped streams, and how many were left out. */
  async filter(events: StoredEvent[]): Promise<{ kept: StoredEvent[]; dropped: number }> {
    const streams = new Map<string, StreamRef>();
    for (const e of events) {
      const key = streamKey(e);
      if (!this.known.has(key) && !streams.has(key))
        streams.set(key, { appID: e.appID, channelID: e.channelID, epoch: e.epoch });
    }
    if (streams.size > 0) {
      const refs = [...streams.entries()];
      const answers = await this.broker.droppedStreams(refs.map(([, ref]) => ref));
      refs.forEach(([key], i) => {
        if (!answers[i]) return;
        if (this.known.size >= REMEMBERED_MAX) this.known.clear();
        this.known.add(key);
      });
    }
    if (this.known.size === 0) return { kept: events, dropped: 0 };
    const kept = events.filter((e) => !this.known.has(streamKey(e)));
    return { kept, dropped: events.length - kept.length };
  }
}

const streamKey = (e: StoredEvent): string => `${e.appID}\u0000${e.channelID}\u0000${e.epoch}`;
