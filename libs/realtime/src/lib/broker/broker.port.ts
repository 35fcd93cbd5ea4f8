import type { ChannelEvent, EventText, ServerToClientEvents } from '@channels/contracts';

/** One stream of a channel: an epoch of it. */
export interface StreamRef {
  appID: string;
  channelID: string;
  epoch: string;
}

/** Injection token of the `Broker`. */
export const BROKER = Symbol('BROKER');

export interface PublishCommand {
  appID: string;
  channelID: string;
  eventType: string;
  payload: unknown;
  senderID: string;
  /** Publisher's idempotency key; a server id is assigned when absent. */
  id?: string;
  /**
   * Store the event: assign the next offset and append it to the hot window (persistent channel and
   * an acked publish). Otherwise the event is delivered live only, without offset.
   */
  store: boolean;
}

export type PublishOutcome =
  | { status: 'published'; event: ChannelEvent; duplicate: boolean }
  | { status: 'closed' }
  | { status: 'not_found' }
  /**
   * A stored publish refused because the channel already holds the maximum of events not yet
   * committed to Postgres (storage is behind); nothing was assigned. Live-only publishes and
   * re-publishes of a known id are never refused for this.
   */
  | { status: 'behind'; uncommitted: number };

export interface WindowRead {
  epoch: string;
  /** Highest offset assigned so far in this epoch. */
  top: number;
  /** Lowest offset still in the window (top + 1 when the window is empty). */
  first: number;
  /**
   * Durable watermark: every offset of this epoch ≤ it is committed in Postgres (or dead-lettered).
   * The window is never trimmed above it, so `first ≤ durable + 1` and the window together with
   * Postgres holds every offset up to `top`.
   */
  durable: number;
  /** Events with offset > afterOffset, oldest first, at most `limit`. */
  events: ChannelEvent[];
  /** False when the window no longer holds every event after `afterOffset` (older ones trimmed). */
  complete: boolean;
}

/** A window read as canonical event texts (see `EventText`), for answers assembled without parsing. */
export type WindowTextRead = Omit<WindowRead, 'events'> & { events: EventText[] };

/** The channel settings the publish path enforces atomically (kept in Redis, loaded from Postgres). */
export interface ChannelGate {
  exists: boolean;
  closed: boolean;
}

/** A channel's stream position: highest offset assigned, epoch and durable watermark. */
export interface StreamPosition {
  top: number;
  epoch: string;
  durable: number;
}

/** A channel of the outbox index: it may hold uncommitted events since `since` (unix ms). */
export interface OutboxEntry {
  appID: string;
  channelID: string;
  since: number;
}

/**
 * Publishing and hot history together. `publish` is ONE atomic step per channel: it checks the
 * channel gate (exists / not closed), dedupes on the idempotency key, assigns the next offset,
 * appends to the hot window and fans the event out to every gateway — so every subscriber sees a
 * channel's events in offset order, whichever gateway published them.
 *
 * The window is also the durable outbox: once `publish` returned a stored event, the event stays
 * readable from the window until the writer committed it (`markCommitted`), and a stored publish
 * lists its channel in the outbox index first, so the writer's sweeper re-sends whatever the
 * publisher's own hand-off to the queue never delivered (docs/design/durability.md).
 */
export interface Broker {
  publish(cmd: PublishCommand): Promise<PublishOutcome>;
  /** Reads the hot window after `afterOffset` (exclusive; -1: the newest `limit`), as canonical event texts. */
  readWindowText(
    appID: string,
    channelID: string,
    afterOffset: number,
    limit: number,
  ): Promise<WindowTextRead>;
  /** Current stream position (seeds the stream from storage when Redis has none). */
  position(appID: string, channelID: string): Promise<StreamPosition>;
  /**
   * The writer committed (or dead-lettered) these offsets (inclusive ranges) of the epoch: advances
   * the durable watermark over every offset known committed (ranges committed out of order are
   * kept until the offsets below them are in) and trims the window to what it must still hold.
   * Null when the stream is gone or in another epoch (nothing to do).
   */
  markCommitted(
    appID: string,
    channelID: string,
    epoch: string,
    ranges: [number, number][],
  ): Promise<{ durable: number; top: number; previous: number } | null>;
  /** The window's events above the durable watermark (not committed yet), at most `limit`; null without a stream. */
  readUncommittedText(appID: string, channelID: string, limit: number): Promise<WindowTextRead | null>;
  /** Channels of the outbox index listed since before `olderThan` (unix ms), oldest first. */
  staleOutbox(olderThan: number, limit: number): Promise<OutboxEntry[]>;
  /** Lists the channel in the outbox index as of `now` (its uncommitted events were re-sent or progressed). */
  touchOutbox(appID: string, channelID: string, now: number): Promise<void>;
  /** Removes an outbox entry if it is still the one read (`since`); false when it changed. */
  clearOutbox(entry: OutboxEntry): Promise<boolean>;
  /** Writes the gate (admin-api after create/close/open/delete commits). */
  setGate(appID: string, channelID: string, gate: ChannelGate): Promise<void>;
  /**
   * Drops a deleted channel's stream (window, counters) and remembers its epoch as dropped (for a
   * week): `droppedStreams` then says its events still queued belong to a deleted channel.
   */
  dropStream(appID: string, channelID: string): Promise<void>;
  /** For each stream, whether it was dropped with its channel (`dropStream`). */
  droppedStreams(streams: readonly StreamRef[]): Promise<boolean[]>;
  /** Emits a server event to every subscriber of the channel on every gateway. */
  emitToChannel<E extends keyof ServerToClientEvents>(
    appID: string,
    channelID: string,
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
  ): Promise<void>;
}

/** Where the broker seeds a stream whose Redis state is gone: the stored top offset and channel gate. */
export const STREAM_SOURCE = Symbol('STREAM_SOURCE');
export interface StreamSource {
  /**
   * The highest stored offset of the channel, and whether its stream was seeded before (so this
   * seed follows a loss of Redis data; the first call for a channel records that it was seeded).
   */
  seedPosition(appID: string, channelID: string): Promise<{ top: number; reseed: boolean }>;
  gate(appID: string, channelID: string): Promise<ChannelGate>;
}
