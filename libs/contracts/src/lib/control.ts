/**
 * The channel settings a `channel_updated` message says changed, with their new values. Settings
 * not listed did not change (a gateway re-reads anything else it needs).
 */
export interface ChannelSettingsChange {
  private?: boolean;
  presence?: boolean;
  persistent?: boolean;
}

/** Most member ids one `channel_deleted` message carries; larger channels send several messages. */
export const CHANNEL_DELETED_MEMBERS_CHUNK = 1_000;

/**
 * Control commands published by admin-api (and presence) on the control pub/sub channel; every
 * gateway applies them to its own connections. They carry ids (and what changed) only — gateways
 * re-read what they need.
 */
export type ControlMessage =
  /** `presence`: subscribers are told (`join_channel` / `leave_channel`): a presence channel with `joinLeave`. */
  | { type: 'member_added'; appID: string; channelID: string; clientID: string; presence: boolean }
  | { type: 'member_removed'; appID: string; channelID: string; clientID: string; presence: boolean }
  | { type: 'channel_closed'; appID: string; channelID: string }
  | { type: 'channel_opened'; appID: string; channelID: string }
  | { type: 'channel_updated'; appID: string; channelID: string; changed?: ChannelSettingsChange }
  /**
   * The channel is gone. `members`: clients that were members (read before the delete; every
   * device of each is told `remove_channel`). A channel with more members than
   * `CHANNEL_DELETED_MEMBERS_CHUNK` is announced in several messages: all but the last carry
   * `more: true` and concern only those members' connections not subscribed to the channel; the
   * last one also ends every subscription to it — so each connection is told once.
   */
  | { type: 'channel_deleted'; appID: string; channelID: string; members?: string[]; more?: boolean }
  | { type: 'client_deleted'; appID: string; clientID: string }
  | { type: 'app_deleted'; appID: string }
  /** An app setting its channels inherit changed (ack mode): cached channel settings are re-read. */
  | { type: 'app_updated'; appID: string }
  | { type: 'disconnect_client'; appID: string; clientID: string }
  | { type: 'unsubscribe_client'; appID: string; channelID: string; clientID: string }
  /** Server-side subscription: every connection of the client subscribes to the channel. */
  | { type: 'subscribe_client'; appID: string; channelID: string; clientID: string }
  /** The app's webhook setting changed: webhook producers drop their cached copy. */
  | { type: 'webhooks_updated'; appID: string };
