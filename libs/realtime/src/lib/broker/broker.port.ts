import type { ChannelEvent, EventText, ServerToClientEvents } from '@channels/contracts';

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
  | { status: 'not_found' };

export interface WindowRead {
  epoch: string;
  /** Highest offset assigned so far in this epoch. */
  top: number;
  /** Lowest offset still in the window (top + 1 when the window is empty). */
  first: number;
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

/**
 * Publishing and hot history together. `publish` is ONE atomic step per channel: it checks the
 * channel gate (exists / not closed), dedupes on the idempotency key, assigns the next offset,
 * appends to the hot window and fans the event out to every gateway — so every subscriber sees a
 * channel's events in offset order, whichever gateway published them.
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
  position(appID: string, channelID: string): Promise<{ top: number; epoch: string }>;
  /** Writes the gate (admin-api after create/close/open/delete commits). */
  setGate(appID: string, channelID: string, gate: ChannelGate): Promise<void>;
  /** Drops a deleted channel's stream (window, counters). */
  dropStream(appID: string, channelID: string): Promise<void>;
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
  storedTop(appID: string, channelID: string): Promise<number>;
  gate(appID: string, channelID: string): Promise<ChannelGate>;
}
