/** Injection token of the `OccupancyTracker` (the gateway's channel hub reports to it). */
export const OCCUPANCY_TRACKER = Symbol('OCCUPANCY_TRACKER');

/**
 * Told by a gateway when it gets its first local subscriber of a channel and when it loses its
 * last one. The tracker keeps the calls of one channel in order and deals with failures itself
 * (the promises never reject). Across every gateway it decides `channel_occupied` /
 * `channel_vacated`. `occupied` resolves once this gateway is counted as an occupant: a subscribe
 * is answered only then, so a subscriber acknowledged on one gateway always holds the channel
 * against a last subscriber leaving another.
 */
export interface OccupancyTracker {
  occupied(appID: string, channelID: string): Promise<void>;
  vacated(appID: string, channelID: string): void;
}

/** A tracker that tracks nothing (services and tests without webhooks). */
export const NO_OCCUPANCY: OccupancyTracker = {
  occupied: () => Promise.resolve(),
  vacated: () => undefined,
};
