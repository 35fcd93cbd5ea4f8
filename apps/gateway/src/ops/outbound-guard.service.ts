import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import type { GatewayConfig } from '../config';
import { SocketServer } from '../socket/socket-server.service';
import { GatewayMetrics } from './gateway-metrics';

interface EngineInternals {
  writeBuffer?: unknown[];
  transport?: { socket?: { bufferedAmount?: number } };
}

const CHECK_INTERVAL_MS = 250;

/**
 * Bounded outbound buffer per connection: a consumer that does not read (its WebSocket send buffer
 * or engine write queue past MAX_OUTBOUND_BUFFER_BYTES) is disconnected instead of growing memory.
 */
@Injectable()
export class OutboundGuard implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboundGuard.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly sockets: SocketServer,
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
    for (const socket of this.sockets.localSockets()) {
      const conn = socket.conn as unknown as EngineInternals;
      const buffered = conn.transport?.socket?.bufferedAmount ?? 0;
      // Queued engine packets are not yet encoded: count them at a conservative 64 bytes each.
      const queued = (conn.writeBuffer?.length ?? 0) * 64;
      if (buffered + queued > limit) {
        this.metrics.outboundDrops.inc();
        this.logger.warn(
          `disconnecting slow consumer ${socket.data.clientID} (${buffered + queued} bytes pending)`,
        );
        socket.disconnect(true);
      }
    }
  }
}
