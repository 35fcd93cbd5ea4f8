import type {
  ClientToServerEvents,
  InterServerEvents,
  Principal,
  ServerToClientEvents,
} from '@channels/contracts';
import type { Server, Socket } from 'socket.io';
import type { TokenBucket } from '../ops/token-bucket';

/** Per-connection state, set at the handshake. */
export interface ConnectionData {
  principal: Principal;
  appID: string;
  clientID: string;
  deviceID: string;
  connectionID: string;
  /** Channel ids this connection is subscribed to. */
  channels: Set<string>;
  /** The subset that are presence channels (reported to the presence tracker). */
  presenceChannels: Set<string>;
  /** The publish rate limit, shared by every connection of the client on this gateway. */
  publishBucket: TokenBucket;
  /** The token's `iat` (unix seconds), checked against revocations on a control reconnect. */
  issuedAt?: number;
  /** When the token expires, unix ms (absent: it does not; `refresh` replaces it). */
  expiresAt?: number;
  /** `refresh_required` was sent for the current `expiresAt`. */
  expiryNoticeSent?: boolean;
  /** The second-bucket of the expiry wheel this connection is filed in. */
  expiryBucket?: number;
}

export type ChannelsServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ConnectionData
>;
export type ChannelsSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ConnectionData
>;
