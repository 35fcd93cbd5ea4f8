import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelHub } from '@channels/messaging';
import type { GatewayConfig } from '../config';

/**
 * Graceful drain on SIGTERM. By the time this runs readiness already answers 503 and new
 * handshakes are refused; connections of every transport are then closed in batches spread over
 * DRAIN_WINDOW_MS so clients reconnect through the front door to other gateways without a
 * thundering herd. Presence is not told (the lifecycle flag makes disconnect handlers skip it):
 * clients reconnecting within the grace period produce no offline announcement.
 */
@Injectable()
export class DrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly hub: ChannelHub,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const all = [...this.hub.all()];
    if (all.length === 0) return;
    const batch = this.config.DRAIN_BATCH_SIZE;
    const batches = Math.ceil(all.length / batch);
    const pause = batches > 1 ? this.config.DRAIN_WINDOW_MS / batches : 0;
    this.logger.log(`draining ${all.length} connections in ${batches} batch(es)`);
    for (let i = 0; i < batches; i++) {
      // A transport close (not a server-side disconnect): clients reconnect by themselves.
      for (const s of all.slice(i * batch, (i + 1) * batch)) s.transport.close('reconnect');
      if (i < batches - 1) await new Promise((r) => setTimeout(r, pause));
    }
  }
}
