import { randomBytes } from 'node:crypto';
import {
  ChannelsError,
  channelRoom,
  channelTag,
  clientRoom,
  ErrorCode,
  type OnlineStatusPayload,
} from '@channels/contracts';
import { roomBroadcastMessage } from '../broker/adapter-message';
import type { PresenceConnection } from './presence-tracker.port';

/**
 * Encodings shared by the presence adapters. Ids are never split on characters they may contain:
 * a channel tag ends at its first `}` (app ids are URI-encoded, channel ids cannot hold `}`), and
 * lease entries are JSON arrays.
 */

/** Member of the due set: the channel's tag followed by the client id. */
export const dueKey = (appID: string, channelID: string, clientID: string): string =>
  `${channelTag(appID, channelID)}${clientID}`;

export function parseDueKey(key: string): { appID: string; channelID: string; clientID: string } | null {
  const m = /^\{([^|}]*)\|([^}]*)\}/.exec(key);
  if (!m) return null;
  return { appID: decodeURIComponent(m[1]), channelID: m[2], clientID: key.slice(m[0].length) };
}

/** Parses a channel tag (`{app|channel}`) back into its ids. */
export function parseChannelTag(tag: string): { appID: string; channelID: string } | null {
  const m = /^\{([^|}]*)\|([^}]*)\}$/.exec(tag);
  return m ? { appID: decodeURIComponent(m[1]), channelID: m[2] } : null;
}

/** A connection entry in its lease's set. */
export const leaseEntry = (
  c: Pick<PresenceConnection, 'appID' | 'channelID' | 'clientID' | 'connectionID'>,
): string => JSON.stringify([c.appID, c.channelID, c.clientID, c.connectionID]);

export function parseLeaseEntry(
  entry: string,
): Pick<PresenceConnection, 'appID' | 'channelID' | 'clientID' | 'connectionID'> | null {
  try {
    const v: unknown = JSON.parse(entry);
    if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'string')) return null;
    const [appID, channelID, clientID, connectionID] = v as string[];
    return { appID, channelID, clientID, connectionID };
  } catch {
    return null;
  }
}

/**
 * A gateway lease id: the gateway id plus a random incarnation, so a gateway restarted under the
 * same id never renews the lease (and keeps alive the connections) of its previous life.
 */
export const newLease = (gatewayID: string): string =>
  `${encodeURIComponent(gatewayID)}#${randomBytes(6).toString('hex')}`;

export const gatewayOfLease = (lease: string): string => {
  const at = lease.lastIndexOf('#');
  return decodeURIComponent(at < 0 ? lease : lease.slice(0, at));
};

const STATUS_MARK = '\u0000STATUS\u0000';
const TIME_MARK = '\u0000TIME\u0000';

/**
 * The `online_status` broadcast for one client of one channel, cut around its two variable parts:
 * `parts[0] + status + parts[1] + timestamp + parts[2]` is the adapter message that emits
 * `online_status {channelID, clientID, status, timestamp}` to the channel's subscribers on every
 * gateway, except the client's own connections.
 */
export function onlineStatusTemplate(
  appID: string,
  channelID: string,
  clientID: string,
): [string, string, string] {
  const full = roomBroadcastMessage(
    channelRoom(appID, channelID),
    'online_status',
    { channelID, clientID, status: STATUS_MARK, timestamp: TIME_MARK },
    [clientRoom(appID, clientID)],
  );
  const s = JSON.stringify(STATUS_MARK);
  const t = JSON.stringify(TIME_MARK);
  const i = full.indexOf(s);
  const j = full.indexOf(t, i + s.length);
  return [full.slice(0, i), full.slice(i + s.length, j), full.slice(j + t.length)];
}

/** The complete `online_status` broadcast (what the template yields). */
export function onlineStatusMessage(
  appID: string,
  channelID: string,
  clientID: string,
  status: boolean,
  timestamp: number,
): string {
  const [a, b, c] = onlineStatusTemplate(appID, channelID, clientID);
  return `${a}${status}${b}${timestamp}${c}`;
}

/** An `online_status` broadcast as the gateways receive it. */
export interface OnlineStatusBroadcast {
  rooms: string[];
  except: string[];
  event: string;
  payload: OnlineStatusPayload;
}

/** Reads back a broadcast made by `onlineStatusMessage` (tests, benchmarks, tooling). */
export function parseOnlineStatusBroadcast(message: string): OnlineStatusBroadcast {
  const m = JSON.parse(message) as {
    data: { opts: { rooms: string[]; except: string[] }; packet: { data: [string, OnlineStatusPayload] } };
  };
  return {
    rooms: m.data.opts.rooms,
    except: m.data.opts.except,
    event: m.data.packet.data[0],
    payload: m.data.packet.data[1],
  };
}

/** Snapshot page cursors: which part of the channel's state comes next and where in it. */
export type SnapshotCursor = { part: 'online'; at: string } | { part: 'offline'; at: number };

export function encodeCursor(c: SnapshotCursor): string {
  return c.part === 'online' ? `on:${c.at}` : `off:${c.at}`;
}

/** Decodes a cursor made by `encodeCursor`; throws `bad_request` for anything else. */
export function decodeCursor(cursor: string | null | undefined): SnapshotCursor {
  if (!cursor) return { part: 'online', at: '0' };
  const m = /^(on|off):(\d{1,20})$/.exec(cursor);
  if (!m) throw new ChannelsError(ErrorCode.BadRequest, 'cursor: not a presence cursor');
  return m[1] === 'on' ? { part: 'online', at: m[2] } : { part: 'offline', at: Number(m[2]) };
}
