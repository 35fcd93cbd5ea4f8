import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ChannelHub, RealtimeCore } from '@channels/messaging';
import { CHANNEL_FEED, type ChannelFeed } from '@channels/realtime';
import { GatewayMetrics } from '../ops/gateway-metrics';

/** The name of a gateway's channel feed connection in Redis (`CLIENT LIST`). */
export const feedConnectionName = (gatewayID: string): string =>
  `channels-gateway-sub:${gatewayID.replace(/\s/g, '_')}`;

/**
 * The channel feed's connection to Redis was lost: it subscribes again when it is back, but what was
 * published meanwhile never reached this gateway, and its subscribers cannot know. Every local
 * connection subscribed to a channel is closed, whatever its transport, so that it reconnects and
 * recovers from its last offsets, as after a gateway crash — never a silent gap. Connections
 * without subscriptions missed nothing and stay. Counted in `recoveryCloses`.
 */
@Injectable()
export class FeedRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(FeedRecovery.name);

  constructor(
    @Inject(CHANNEL_FEED) private readonly feed: ChannelFeed,
    private readonly hub: ChannelHub,
    private readonly core: RealtimeCore,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.feed.onRestored(() => this.closeForRecovery());
  }

  closeForRecovery(): void {
    let closed = 0;
    for (const session of [...this.hub.all()]) {
      if (session.channels.size === 0) continue;
      // Out of the core at once: nothing more is written to it while its transport closes.
      void this.core.closed(session, true);
      session.transport.close('reconnect');
      closed++;
    }
    this.metrics.recoveryCloses.inc(closed);
    this.logger.warn(
      `redis subscriber connection restored: ${closed} connection(s) closed so that they reconnect and recover what they missed`,
    );
  }
}
