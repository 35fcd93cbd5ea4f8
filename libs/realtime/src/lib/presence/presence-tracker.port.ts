import type { ClientStatusMap } from '@channels/contracts';

/** Injection token of the `PresenceTracker` (used by gateways and admin-api). */
export const PRESENCE_TRACKER = Symbol('PRESENCE_TRACKER');

export interface PresenceConnection {
  appID: string;
  channelID: string;
  clientID: string;
  connectionID: string;
  gatewayID: string;
}

/** A connection in a channel's presence and the client it belongs to. */
export interface PresenceMember {
  connectionID: string;
  clientID: string;
}

/** One page of a channel's presence; `cursor` is null on the last page. */
export interface PresencePage {
  clientStatus: ClientStatusMap;
  cursor: string | null;
}

/**
 * The gateway-side view of presence, over the shared store.
 *
 * - One entry per connection per presence channel, keyed by app, channel and client. Entries live
 *   under their gateway's lease: `heartbeat` renews the lease of every connection of the gateway in
 *   one O(1) step, whatever the number of connections and channels; when a gateway stops
 *   heartbeating (crash, kill -9, partition) its entries count as gone from its last heartbeat, so
 *   a dead gateway needs no cleanup code of its own.
 * - `join`/`leave` only record facts; the presence service decides the online/offline transitions
 *   (grace period included) and announces them, so what `snapshot` returns is the announced state:
 *   a client just joined may show up only once its `online_status` went out.
 * - Every method is idempotent (a repeated join or leave changes nothing).
 */
export interface PresenceTracker {
  /** A connection subscribed to a presence channel; resolves once the shared store holds it. */
  join(c: PresenceConnection): Promise<void>;
  /** A connection left the channel (unsubscribe or disconnect while serving). */
  leave(c: PresenceConnection): Promise<void>;
  /**
   * Renews the lease of every connection `gatewayID` holds, in O(1). Call it more often than the
   * lease length (e.g. every third of it). If the lease was lost meanwhile (the gateway was cut off
   * for longer than the lease), the connections are registered again under a new lease: the ones in
   * `connections` when given, else every connection this tracker joined and did not leave.
   */
  heartbeat(gatewayID: string, connections?: Iterable<PresenceConnection>): Promise<void>;
  /**
   * The channel's announced presence: every online client (`status: true`, timestamp = online since)
   * and the recently gone ones (`status: false`, timestamp = when announced offline). Read from the
   * shared store in bounded pages, so a gateway that never saw the channel gets the full picture.
   */
  snapshot(appID: string, channelID: string): Promise<ClientStatusMap>;
  /** One bounded page of `snapshot` (about `limit` clients), for paginated APIs and huge channels. */
  snapshotPage(
    appID: string,
    channelID: string,
    cursor?: string | null,
    limit?: number,
  ): Promise<PresencePage>;
  /**
   * The connections in the channel now, each with its client: the recorded facts, not the announced
   * state (a connection is listed as soon as its join resolved and gone once its leave did, grace
   * periods aside). Connections of a gateway whose lease expired are left out at once, before the
   * reaper removes them. At most `limit` connections (default and bound: `MAX_SNAPSHOT_PAGE`), in
   * no particular order.
   */
  connections(appID: string, channelID: string, limit?: number): Promise<PresenceMember[]>;
  /** Number of clients online in the channel, in O(1). */
  onlineCount(appID: string, channelID: string): Promise<number>;
  /**
   * Drops the channel's whole presence — connections, online and recently offline clients —
   * announcing nothing (its presence was turned off). Gateways still holding connections there
   * leave them as usual; such leaves then change nothing and announce nothing, whenever they come.
   */
  forgetChannel(appID: string, channelID: string): Promise<void>;
}
