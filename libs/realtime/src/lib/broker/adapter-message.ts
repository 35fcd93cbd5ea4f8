/**
 * Messages in the wire format of socket.io's cluster adapter (`@socket.io/redis-adapter`, sharded
 * mode), so processes that are not gateways — the publish script inside Redis, admin-api, presence
 * — can emit to socket.io rooms on every gateway without importing the gateway. Uid `emitter` is
 * the one the adapter reserves for external emitters.
 */
const EMITTER_UID = 'emitter';
const BROADCAST = 3;
const EVENT_PACKET = 2;

/** The adapter's pub/sub channel prefix for a deployment (the gateway configures the same). */
export const adapterChannelPrefix = (keyPrefix: string): string => `${keyPrefix}sio`;

/** Sharded channel the gateways holding sockets in `room` subscribe to (dynamic subscription mode). */
export const roomShardChannel = (keyPrefix: string, room: string): string =>
  `${adapterChannelPrefix(keyPrefix)}#/#${room}#`;

/** JSON broadcast message: emit `event(payload)` to sockets in `room`, except sockets in `except` rooms. */
export function roomBroadcastMessage(
  room: string,
  event: string,
  payload: unknown,
  except: string[] = [],
): string {
  return JSON.stringify({
    uid: EMITTER_UID,
    nsp: '/',
    type: BROADCAST,
    data: {
      opts: { rooms: [room], except, flags: {} },
      packet: { type: EVENT_PACKET, data: [event, payload], nsp: '/' },
    },
  });
}

/**
 * The same message split around a placeholder so a Lua script can splice in a JSON value it only
 * learns inside Redis (the event with its offset): `prefix + eventJson + suffix`.
 */
export function roomBroadcastTemplate(room: string, event: string): { prefix: string; suffix: string } {
  const placeholder = '@@channels-event-placeholder@@';
  const marker = JSON.stringify(placeholder);
  const full = roomBroadcastMessage(room, event, placeholder);
  const at = full.indexOf(marker);
  if (at < 0) throw new Error('room broadcast template: placeholder not found');
  return { prefix: full.slice(0, at), suffix: full.slice(at + marker.length) };
}
