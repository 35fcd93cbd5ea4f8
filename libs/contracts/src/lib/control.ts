/**
 * Control commands published by admin-api (and presence) on the control pub/sub channel; every
 * gateway applies them to its own connections. They carry ids only — gateways re-read what they need.
 */
export type ControlMessage =
  | { type: 'member_added'; appID: string; channelID: string; clientID: string; presence: boolean }
  | { type: 'member_removed'; appID: string; channelID: string; clientID: string; presence: boolean }
  | { type: 'channel_closed'; appID: string; channelID: string }
  | { type: 'channel_opened'; appID: string; channelID: string }
  | { type: 'channel_updated'; appID: string; channelID: string }
  | { type: 'channel_deleted'; appID: string; channelID: string }
  | { type: 'client_deleted'; appID: string; clientID: string }
  | { type: 'app_deleted'; appID: string }
  /** An app setting its channels inherit changed (ack mode): cached channel settings are re-read. */
  | { type: 'app_updated'; appID: string }
  | { type: 'disconnect_client'; appID: string; clientID: string }
  | { type: 'unsubscribe_client'; appID: string; channelID: string; clientID: string };
