import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { OCCUPANCY_TRACKER, type RedisChannelOccupancy } from '@channels/realtime';
import type { GatewayConfig } from '../config';

/**
 * Renews this gateway's occupancy lease every PRESENCE_HEARTBEAT_MS (its channels count as
 * occupied by it until PRESENCE_LEASE_MS after the last renewal: a killed gateway's channels are
 * then vacated by the presence service), and retries occupancy steps that failed.
 */
@Injectable()
export class OccupancyHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OccupancyHeartbeat.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(OCCUPANCY_TRACKER) private readonly occupancy: RedisChannelOccupancy,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Steps asked for while draining (the last subscribers leaving) are written before Redis closes. */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.occupancy.settled();
  }

  async beat(): Promise<void> {
    try {
      await this.occupancy.heartbeat();
    } catch (e) {
      this.logger.warn(`occupancy heartbeat failed: ${String(e)}`);
    }
  }
}
