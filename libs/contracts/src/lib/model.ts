import type { HooksConfig } from './hooks';

/**
 * Resources of the contract (protocol §2), as they travel on the wire (socket.io and /v1).
 * Timestamps are unix milliseconds here; the original routes convert them to seconds.
 */
/**
 * When a stored publish is acknowledged. `queued`: the event has its offset and is in Redis (hot
 * window and persistence queue), on its way to Postgres. `committed`: the acknowledgement waits
 * until the writer committed the event to Postgres (docs/design/durability.md).
 */
export type AckMode = 'queued' | 'committed';
export const ACK_MODES: readonly AckMode[] = ['queued', 'committed'];

export interface App {
  appID: string;
  name: string;
  /** Ack mode of the app's channels that do not set their own. */
  ackMode: AckMode;
  createdAt: number;
}

/**
 * An app as its admins see it: with the key its backends sign server API requests with
 * (`POST /apps/{appID}/api/`). Never shown to clients, never in lists.
 */
export interface AppWithApiSecret extends App {
  apiSecret: string;
}

export interface Client {
  appID: string;
  clientID: string;
  username: string;
  extra: string;
  createdAt: number;
}

export interface Channel {
  appID: string;
  channelID: string;
  name: string;
  persistent: boolean;
  private: boolean;
  presence: boolean;
  isClosed: boolean;
  extra: string;
  /** The channel's own ack mode; null: the app's. */
  ackMode?: AckMode | null;
  /** The ack mode its stored publishes get (its own, else the app's). */
  effectiveAckMode?: AckMode;
  /** Clients may publish (admins always may). */
  clientPublish: boolean;
  /** Members added / removed are pushed to subscribers (`join_channel` / `leave_channel`) of a presence channel. */
  joinLeave: boolean;
  /** At most this many newest events are kept; null: the deployment's default. */
  historySize: number | null;
  /** Events older than this many seconds are deleted; null: the deployment's default (0 keeps forever). */
  historyTTLSeconds: number | null;
  /**
   * Made implicitly — on first use, from its namespace (`autoCreate`) or as a user-limited id — and
   * so it follows its namespace's settings when they change. An explicit change makes it false.
   */
  autoCreated: boolean;
  createdAt: number;
}

/** The settings a namespace gives the channels `<name>:…` of its app (protocol §5.1). */
export interface NamespaceSettings {
  persistent: boolean;
  private: boolean;
  presence: boolean;
  historySize: number | null;
  historyTTLSeconds: number | null;
  clientPublish: boolean;
  joinLeave: boolean;
  /** A channel of the namespace comes into existence on first subscribe or publish. */
  autoCreate: boolean;
}

export interface Namespace extends NamespaceSettings {
  appID: string;
  name: string;
  /** Hooks for the namespace's channels, replacing the app's (protocol §5.4); null: the app's. */
  hooks: HooksConfig | null;
  createdAt: number;
}

/** An event as delivered to subscribers and returned by history. */
export interface ChannelEvent {
  id: string;
  channelID: string;
  /** Per-channel, strictly increasing, never reused. Present on stored events. */
  offset?: number;
  /** Identifies the offset sequence; changes only if the hot stream was lost. */
  epoch?: string;
  eventType: string;
  payload: unknown;
  senderID: string;
  /** Server time, unix milliseconds. */
  timestamp: number;
}

export interface PresenceStatus {
  status: boolean;
  timestamp: number;
}

export type ClientStatusMap = Record<string, PresenceStatus>;
