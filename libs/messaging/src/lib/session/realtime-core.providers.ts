import type { Provider } from '@nestjs/common';
import { CHANNEL_FEED, type ChannelFeed, OCCUPANCY_TRACKER, type OccupancyTracker } from '@channels/realtime';
import { ChannelHub } from './channel-hub';
import { CORE_METRICS, type CoreMetrics } from './core.options';
import { KnownApps } from './known-apps.service';
import { RealtimeCore } from './realtime-core.service';
import { SessionControl } from './session-control.service';
import { TokenExpiry } from './token-expiry.service';

/**
 * The realtime core's providers, for the gateway's module. The gateway provides
 * `REALTIME_CORE_OPTIONS`, `CORE_METRICS`, `CHANNEL_FEED` and `PRESENCE_TRACKER` (and optionally
 * `OCCUPANCY_TRACKER`); the messaging module (publish, history, access) must be imported.
 */
export const realtimeCoreProviders: Provider[] = [
  {
    provide: ChannelHub,
    inject: [CHANNEL_FEED, CORE_METRICS, { token: OCCUPANCY_TRACKER, optional: true }],
    useFactory: (feed: ChannelFeed, metrics: CoreMetrics, occupancy: OccupancyTracker | undefined) =>
      new ChannelHub(feed, [], (n) => metrics.eventsOut.inc(n), occupancy),
  },
  RealtimeCore,
  SessionControl,
  TokenExpiry,
  KnownApps,
];
