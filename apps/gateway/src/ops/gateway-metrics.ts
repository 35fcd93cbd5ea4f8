import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@channels/bootstrap';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Gateway metrics, including the original channelize gauges. */
@Injectable()
export class GatewayMetrics {
  readonly connections: Gauge;
  readonly subscriptions: Gauge;
  /** Open connections by transport (`socket.io`, `optimized`); `connections` is their sum. */
  readonly transportConnections: Gauge<'transport'>;
  readonly eventsIn: Counter<'result'>;
  readonly eventsOut: Counter;
  readonly publishAckSeconds: Histogram;
  readonly outboundDrops: Counter;
  readonly recoveries: Counter<'result'>;
  readonly badRequests: Counter;
  readonly handshakeRefusals: Counter<'code'>;
  readonly recoveryCloses: Counter;
  /**
   * channelize: connections subscribed to an open / a private channel as their sessions know them,
   * the same counted in the subscription storage fan-out reads, and the channels in that storage
   * (see `StatsReporter`).
   */
  readonly openConnections: Gauge;
  readonly privateConnections: Gauge;
  readonly openConnectionsStorageLength: Gauge;
  readonly privateConnectionsStorageLength: Gauge;
  readonly subscribedChannelsStorageLength: Gauge;

  /** A connection of `transport` opened (+1) or closed (-1). */
  connectionsChanged(transport: string, delta: 1 | -1): void {
    this.connections.inc(delta);
    this.transportConnections.inc({ transport }, delta);
  }

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.connections = new Gauge({
      name: 'channels_gateway_connections',
      help: 'Open client connections',
      registers,
    });
    this.transportConnections = new Gauge({
      name: 'channels_gateway_transport_connections',
      help: 'Open client connections by transport',
      labelNames: ['transport'],
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'channels_gateway_subscriptions',
      help: 'Channel subscriptions of open connections',
      registers,
    });
    this.eventsIn = new Counter({
      name: 'channels_gateway_events_in_total',
      help: 'Publishes received from clients, by result',
      labelNames: ['result'],
      registers,
    });
    this.eventsOut = new Counter({
      name: 'channels_gateway_events_out_total',
      help: 'Channel events written live to local subscribers (one per event per subscribed connection)',
      registers,
    });
    this.publishAckSeconds = new Histogram({
      name: 'channels_gateway_publish_ack_seconds',
      help: 'Time from receiving a publish to acknowledging it (stored when persistent)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.outboundDrops = new Counter({
      name: 'channels_gateway_outbound_buffer_drops_total',
      help: 'Connections closed because their outbound buffer overflowed',
      registers,
    });
    this.recoveries = new Counter({
      name: 'channels_gateway_recoveries_total',
      help: 'Subscribes with recovery, by result',
      labelNames: ['result'],
      registers,
    });
    this.badRequests = new Counter({
      name: 'channels_gateway_bad_requests_total',
      help: 'Malformed client calls answered with bad_request',
      registers,
    });
    this.handshakeRefusals = new Counter({
      name: 'channels_gateway_handshake_refusals_total',
      help: 'Connections refused at the handshake, by code (unauthorized, too_many_connections, unavailable)',
      labelNames: ['code'],
      registers,
    });
    this.recoveryCloses = new Counter({
      name: 'channels_gateway_recovery_closes_total',
      help: 'Connections closed so that they reconnect and recover, after the Redis subscriber connection was lost',
      registers,
    });
    this.openConnections = new Gauge({
      name: 'open_connections',
      help: 'Connections subscribed to at least one open channel (channelize)',
      registers,
    });
    this.privateConnections = new Gauge({
      name: 'private_connections',
      help: 'Connections subscribed to at least one private channel (channelize)',
      registers,
    });
    this.openConnectionsStorageLength = new Gauge({
      name: 'open_connections_storage_length',
      help: 'Connections in the subscription storage (room index) under at least one open channel (channelize)',
      registers,
    });
    this.privateConnectionsStorageLength = new Gauge({
      name: 'private_connections_storage_length',
      help: 'Connections in the subscription storage (room index) under at least one private channel (channelize)',
      registers,
    });
    this.subscribedChannelsStorageLength = new Gauge({
      name: 'subscribed_channels_storage_length',
      help: 'Channels in the subscription storage (room index) with at least one local subscriber (channelize)',
      registers,
    });
  }
}
