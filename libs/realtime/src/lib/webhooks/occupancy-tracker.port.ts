/** Injection token of the `OccupancyTracker` (the gateway's channel hub reports to it). */
export const OCCUPANCY_TRACKER = Symbol('OCCUPANCY_TRACKER');

/**
 * Told by a gateway when it gets its first local subscriber of a channel and when it loses its
 * last one. Fire and forget: the tracker keeps the calls of one channel in order and deals with
 * failures itself. Across every gateway it decides `channel_occupied` / `channel_vacated`.
 */
export interface OccupancyTracker {
  occupied(appID: string, channelID: string): void;
  vacated(appID: string, channelID: string): void;
}

/** A tracker that tracks nothing (services and tests without webhooks). */
export const NO_OCCUPANCY: OccupancyTracker = {
  occupied: () => undefined,
  vacated: () => undefined,
};
