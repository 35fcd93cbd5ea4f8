import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { PRESENCE_TRACKER, type PresenceTracker } from '@channels/realtime';
import type { GatewayConfig } from '../config';

/** Renews this gateway's presence lease every PRESENCE_HEARTBEAT_MS (entries expire with it after a crash). */
@Injectable()
export class PresenceHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceHeartbeat.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.beat(), this.config.PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One O(1) lease renewal for all of this gateway's presence connections. */
  async beat(): Promise<void> {
    try {
      await this.presence.heartbeat(this.config.GATEWAY_ID);
    } catch (e) {
      this.logger.warn(`presence heartbeat failed: ${String(e)}`);
    }
  }
}
