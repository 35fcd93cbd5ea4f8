import { ChannelsError, ErrorCode } from '@channels/contracts';
import type { Socket } from 'socket.io';
import type { Credentials } from '../core/admission.service';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The credentials of a socket.io handshake: `auth: {token, appID, deviceID}`, or the URL
 * parameters `Authorization`, `AppID`, `DeviceID` for URL-only clients.
 */
export function socketIoCredentials(socket: Socket): Credentials {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const query = socket.handshake.query as Record<string, unknown>;
  return {
    token: str(auth['token']) ?? str(query['Authorization']) ?? str(query['token']),
    appID: str(auth['appID']) ?? str(query['AppID']) ?? str(query['appID']),
    deviceID: str(auth['deviceID']) ?? str(query['DeviceID']) ?? str(query['deviceID']),
    transport: 'socket.io',
  };
}

/** What a refused handshake sends: `connect_error` with `message` = the code, `data: {code, message}`. */
export type HandshakeRefusal = Error & { data: { code: number; message: string } };

/**
 * The refusal for a handshake that failed with `e`. A product error keeps its code (`unauthorized`
 * 401, `too_many_connections` 429); anything else — Postgres or Redis unreachable, a lookup that
 * timed out — is `unavailable` 503, which socket.io clients retry (they stop on `unauthorized`).
 */
export function handshakeRefusal(e: unknown): HandshakeRefusal {
  const body =
    e instanceof ChannelsError
      ? { code: e.httpStatus, error: e.code, message: e.message }
      : {
          code: 503,
          error: ErrorCode.Unavailable,
          message: 'a storage dependency is unavailable; retry shortly',
        };
  const err = new Error(body.error) as HandshakeRefusal;
  err.data = { code: body.code, message: body.message };
  return err;
}

/** Error of a handshake lookup that took longer than its deadline. */
export class HandshakeTimeout extends Error {
  constructor(ms: number) {
    super(`handshake lookups took longer than ${ms} ms`);
    this.name = 'HandshakeTimeout';
  }
}

/**
 * Resolves like `work`, or rejects with `HandshakeTimeout` after `ms`. When `work` succeeds too
 * late, `late` receives its value (to give back what it took).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, late: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(new HandshakeTimeout(ms));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        if (expired) late(value);
        else resolve(value);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!expired) reject(e);
      },
    );
  });
}
