import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import type { GatewayConfig } from '../config';
import { ChannelHub } from '@channels/messaging';
import { GatewayMetrics } from './gateway-metrics';

const CHECK_INTERVAL_MS = 250;

/**
 * Bounded outbound buffer per connection: a consumer that does not read (what its transport holds unsent
 * past MAX_OUTBOUND_BUFFER_BYTES, whatever the transport) is disconnected instead of growing memory.
 */
@Injectable()
export class OutboundGuard implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboundGuard.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly hub: ChannelHub,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  check(): void {
    const limit = this.config.MAX_OUTBOUND_BUFFER_BYTES;
    for (const session of [...this.hub.all()]) {
      const pending = session.transport.pendingBytes();
      if (pending > limit) {
        this.metrics.outboundDrops.inc();
        this.logger.warn(`disconnecting slow consumer ${session.clientID} (${pending} bytes pending)`);
        session.transport.close('overflow');
      }
    }
  }
}
