import { io } from 'socket.io-client';
import type { ServerEventName, TransportFactory } from './transport';

const SERVER_EVENTS: ReadonlySet<string> = new Set<ServerEventName>([
  'event',
  'new_channel',
  'remove_channel',
  'channel_closed',
  'channel_opened',
  'join_channel',
  'leave_channel',
  'online_status',
  'initial_online_status',
  'new_subscription',
  'refresh_required',
  'token_expired',
]);

/**
 * The socket.io-client v4 transport (protocol §3). socket.io's own reconnection is off: it does not
 * retry a refused handshake (`unavailable`) nor a server-side close (token expiry), so the SDK
 * retries every case itself, with its backoff and a fresh token when needed.
 */
export const socketIoTransport: TransportFactory = (o, handlers) => {
  let open = true;
  const socket = io(o.url, {
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.transports !== undefined ? { transports: o.transports } : {}),
    auth: o.auth,
    reconnection: false,
    forceNew: true,
    timeout: o.connectTimeoutMs,
  });
  const finish = () => {
    open = false;
    socket.removeAllListeners();
    socket.offAny();
    socket.close();
  };
  socket.on('ready', (info) => {
    if (open) handlers.ready(info);
  });
  socket.onAny((name: string, payload: unknown) => {
    if (open && SERVER_EVENTS.has(name)) handlers.message(name as ServerEventName, payload);
  });
  socket.on('connect_error', (err: Error & { data?: { message?: unknown } }) => {
    if (!open) return;
    finish();
    const message = typeof err.data?.message === 'string' ? err.data.message : err.message;
    handlers.connectError(err.message, message);
  });
  socket.on('disconnect', (reason) => {
    if (!open) return;
    finish();
    handlers.closed(reason);
  });
  return {
    send: (name, payload, ack) => {
      if (open) socket.emit(name, payload, ack);
    },
    close: () => {
      if (open) finish();
    },
  };
};
