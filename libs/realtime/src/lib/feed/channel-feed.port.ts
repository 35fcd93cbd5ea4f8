/**
 * The gateway's subscription to what is published for channel rooms through Redis (events from the
 * publish script, presence announcements, emits of admin-api): one subscription per room per
 * process, whatever the number of local connections and transports in the room.
 */
export interface ChannelFeed {
  /**
   * Starts receiving `room`'s messages; resolves once the subscription is live (a message
   * published after that is delivered). Calls for a room already subscribed resolve at once.
   */
  subscribe(room: string): Promise<void>;
  /** Stops receiving `room`'s messages. */
  unsubscribe(room: string): Promise<void>;
  /**
   * Sets the receiver of every message: the room and the message's bytes as published. Messages of
   * one read from the connection are handed over synchronously, one after another.
   */
  onMessage(handler: (room: string, message: Buffer) => void): void;
  /**
   * Called when the subscriptions are live again after the connection was lost: whatever was
   * published meanwhile was not received.
   */
  onRestored(handler: () => void): void;
  close(): Promise<void>;
}

export const CHANNEL_FEED = Symbol('ChannelFeed');
