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

/**
 * The gateway-side view of presence. Entries are one per connection and expire unless refreshed
 * by `heartbeat`; the presence service decides online/offline transitions and announces them.
 */
export interface PresenceTracker {
  /** A connection subscribed to a presence channel; resolves once the shared store holds it. */
  join(c: PresenceConnection): Promise<void>;
  /** A connection left the channel (unsubscribe or disconnect while serving). */
  leave(c: PresenceConnection): Promise<void>;
  /** Refreshes the leases of every connection this gateway holds; cost independent of channel count per call site. */
  heartbeat(gatewayID: string, connections: PresenceConnection[]): Promise<void>;
  /** Who is online in the channel now (snapshot for `initial_online_status` and the presence call). */
  snapshot(appID: string, channelID: string): Promise<ClientStatusMap>;
}
