import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { PRESENCE_TRACKER, type PresenceConnection, type PresenceTracker } from '@channels/realtime';
import type { GatewayConfig } from '../config';
import { SocketServer } from '../socket/socket-server.service';

/** Refreshes the presence leases of this gateway's connections every PRESENCE_HEARTBEAT_MS. */
@Injectable()
export class PresenceHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceHeartbeat.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
    private readonly sockets: SocketServer,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.beat(), this.config.PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async beat(): Promise<void> {
    const connections: PresenceConnection[] = [];
    for (const s of this.sockets.localSockets()) {
      const d = s.data;
      if (!d?.presenceChannels) continue;
      for (const channelID of d.presenceChannels) {
        connections.push({ appID: d.appID, channelID, clientID: d.clientID, connectionID: d.connectionID, gatewayID: this.config.GATEWAY_ID });
      }
    }
    try {
      await this.presence.heartbeat(this.config.GATEWAY_ID, connections);
    } catch (e) {
      this.logger.warn(`presence heartbeat failed: ${String(e)}`);
    }
  }
}
