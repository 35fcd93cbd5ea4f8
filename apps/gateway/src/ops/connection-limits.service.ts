import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { ChannelsError, ErrorCode } from '@channels/contracts';
import { CONNECTION_COUNTER, type ConnectionCounter } from '@channels/realtime';
import type { GatewayConfig } from '../config';
import { ClientBuckets } from './client-buckets';
import type { TokenBucket } from './token-bucket';

/**
 * Abuse limits of connections: the cluster-wide caps on connections per client and per app
 * (`MAX_CONNECTIONS_PER_CLIENT`, `MAX_CONNECTIONS_PER_APP`, counted across every gateway through the
 * `ConnectionCounter`), and the publish rate shared by a client's connections on this gateway.
 */
@Injectable()
export class ConnectionLimits implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionLimits.name);
  private readonly buckets: ClientBuckets;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(CONNECTION_COUNTER) private readonly counter: ConnectionCounter,
  ) {
    this.buckets = new ClientBuckets(config.PUBLISH_RATE_PER_SEC, config.PUBLISH_RATE_BURST);
  }

  /** Takes this gateway's lease and keeps it renewed (before the first connection is accepted). */
  async onApplicationBootstrap(): Promise<void> {
    await this.counter.heartbeat();
    this.timer = setInterval(() => void this.beat(), this.config.PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Admits one more connection of the client: its publish bucket, once the cluster-wide counts
   * have room. Throws `too_many_connections` when the client or its app is at its cap; rejects with
   * the store's error when the counts cannot be read (the caller refuses with `unavailable`).
   */
  async admit(appID: string, clientID: string): Promise<TokenBucket> {
    const full = await this.counter.acquire(appID, clientID, {
      perClient: this.config.MAX_CONNECTIONS_PER_CLIENT,
      perApp: this.config.MAX_CONNECTIONS_PER_APP,
    });
    if (full === 'client') {
      throw new ChannelsError(
        ErrorCode.TooManyConnections,
        `this client already holds ${this.config.MAX_CONNECTIONS_PER_CLIENT} connections`,
      );
    }
    if (full === 'app') {
      throw new ChannelsError(
        ErrorCode.TooManyConnections,
        `this app already holds ${this.config.MAX_CONNECTIONS_PER_APP} connections`,
      );
    }
    return this.buckets.acquire(appID, clientID);
  }

  /** An admitted connection ended (or was admitted too late to be used). Never throws. */
  left(appID: string, clientID: string): void {
    this.buckets.release(appID, clientID);
    this.counter.release(appID, clientID);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.counter.close().catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.counter.heartbeat();
    } catch (e) {
      this.logger.warn(`connection counts heartbeat failed: ${String(e)}`);
    }
  }
}
