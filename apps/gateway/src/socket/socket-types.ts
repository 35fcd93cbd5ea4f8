import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '@channels/contracts';
import type { Session } from '@channels/messaging';
import type { Server, Socket } from 'socket.io';

/** Per-connection state, set at the handshake: the connection's session in the realtime core. */
export interface ConnectionData {
  session: Session;
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
