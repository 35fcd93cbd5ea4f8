import { io, type Socket } from 'socket.io-client';

export interface ConnectOptions {
  token: string;
  appID?: string;
  deviceID?: string;
  /** Pass credentials as URL parameters instead of the auth object. */
  viaQuery?: boolean;
  transports?: ('websocket' | 'polling')[];
  reconnection?: boolean;
}

/** Connects a real socket.io client and resolves on `ready` (rejects on `connect_error`). */
export function connectClient(
  url: string,
  o: ConnectOptions,
): Promise<{ socket: Socket; ready: Record<string, string> }> {
  const socket = io(url, {
    ...(o.viaQuery
      ? {
          query: {
            Authorization: o.token,
            ...(o.appID ? { AppID: o.appID } : {}),
            ...(o.deviceID ? { DeviceID: o.deviceID } : {}),
          },
        }
      : {
          auth: {
            token: o.token,
            ...(o.appID ? { appID: o.appID } : {}),
            ...(o.deviceID ? { deviceID: o.deviceID } : {}),
          },
        }),
    transports: o.transports ?? ['websocket'],
    reconnection: o.reconnection ?? false,
    forceNew: true,
    timeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('ready', (ready: Record<string, string>) => resolve({ socket, ready }));
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits a call and resolves with its acknowledgement. */
export function call<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  payload?: unknown,
  timeoutMs = 10_000,
): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Collects every `event` the socket receives into an array (live view). */
export function collect<T = Record<string, unknown>>(socket: Socket, event: string): T[] {
  const got: T[] = [];
  socket.on(event, (payload: T) => got.push(payload));
  return got;
}

/** Polls `predicate` until it holds, or throws after `timeoutMs` with `what`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
