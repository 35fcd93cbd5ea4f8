import type { StoredEvent } from '@channels/contracts';
import type { Broker } from '@channels/realtime';

/** A channel whose durable watermark moved: `[appID, channelID, epoch, durable]` (the wire form). */
export type DurableAdvance = [appID: string, channelID: string, epoch: string, durable: number];

/**
 * After a batch is committed (or dead-lettered), tells each channel's stream which offsets are now
 * in Postgres: the broker advances the durable watermark (trimming the window to what it must still
 * hold) and the advances are announced on the durable channel, where publishers in "committed" ack
 * mode wait for them. Out-of-order commits are remembered by the broker until the offsets below
 * them are in.
 */
export class CommitMarker {
  constructor(
    private readonly broker: Broker,
    private readonly announce: (advances: DurableAdvance[]) => Promise<void>,
  ) {}

  /** Returns the channels whose watermark moved. */
  async mark(events: StoredEvent[]): Promise<DurableAdvance[]> {
    const advances: DurableAdvance[] = [];
    for (const [key, offsets] of group(events)) {
      const [appID, channelID, epoch] = JSON.parse(key) as [string, string, string];
      const out = await this.broker.markCommitted(appID, channelID, epoch, ranges(offsets));
      if (!out || out.durable <= out.previous) continue;
      advances.push([appID, channelID, epoch, out.durable]);
      // Progress restarts the channel's age in the outbox index: the sweeper looks only at
      // channels whose watermark has not moved for a while.
      if (out.durable < out.top) await this.broker.touchOutbox(appID, channelID, Date.now());
    }
    if (advances.length > 0) await this.announce(advances);
    return advances;
  }
}

/** Offsets of a batch by channel and epoch. */
function group(events: StoredEvent[]): Map<string, number[]> {
  const byChannel = new Map<string, number[]>();
  for (const e of events) {
    if (!Number.isSafeInteger(e.offset)) continue;
    const key = JSON.stringify([e.appID, e.channelID, e.epoch]);
    let list = byChannel.get(key);
    if (!list) byChannel.set(key, (list = []));
    list.push(e.offset);
  }
  return byChannel;
}

/** Sorted offsets folded into inclusive ranges: [3, 4, 5, 9] → [[3, 5], [9, 9]]. */
export function ranges(offsets: number[]): [number, number][] {
  const sorted = [...offsets].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last && o <= last[1] + 1) last[1] = Math.max(last[1], o);
    else out.push([o, o]);
  }
  return out;
}
