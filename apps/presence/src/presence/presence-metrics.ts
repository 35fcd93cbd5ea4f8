import { Inject, Injectable } from '@nestjs/common';
import { MetricsRegistry, SERVICE_CONFIG } from '@channels/bootstrap';
import type { PresenceStats, PresenceTransition } from '@channels/realtime';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { PresenceConfig } from '../config';

/** The presence service's Prometheus metrics (served at /metrics with the process defaults). */
@Injectable()
export class PresenceMetrics {
  readonly transitions: Counter<'status'>;
  readonly evaluations: Counter;
  readonly failures: Counter<'loop'>;
  readonly leasesReaped: Counter;
  readonly connectionsReaped: Counter;
  readonly reaperLag: Histogram;
  readonly onlineClients: Gauge;
  readonly presenceChannels: Gauge;

  constructor(metrics: MetricsRegistry, @Inject(SERVICE_CONFIG) config: PresenceConfig) {
    metrics.registry.setDefaultLabels({ replica: config.PRESENCE_ID });
    const registers = [metrics.registry];
    this.transitions = new Counter({
      name: 'presence_transitions_total',
      help: 'online_status announcements made by this replica',
      labelNames: ['status'],
      registers,
    });
    this.evaluations = new Counter({
      name: 'presence_evaluations_total',
      help: 'Client states evaluated by this replica',
      registers,
    });
    this.failures = new Counter({
      name: 'presence_failures_total',
      help: 'Failed steps of the transition, reaper and stats loops (the work is retried)',
      labelNames: ['loop'],
      registers,
    });
    this.leasesReaped = new Counter({
      name: 'presence_gateway_leases_reaped_total',
      help: 'Expired gateway leases (gateways gone without goodbye) cleaned up by this replica',
      registers,
    });
    this.connectionsReaped = new Counter({
      name: 'presence_connections_reaped_total',
      help: 'Connection entries removed because their gateway lease expired',
      registers,
    });
    this.reaperLag = new Histogram({
      name: 'presence_reaper_lag_seconds',
      help: 'Time from a gateway lease expiring to its cleanup being claimed',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.onlineClients = new Gauge({
      name: 'presence_online_clients',
      help: 'Online clients summed over presence channels (cluster-wide, refreshed periodically)',
      registers,
    });
    this.presenceChannels = new Gauge({
      name: 'presence_channels',
      help: 'Presence channels with at least one online client (cluster-wide, refreshed periodically)',
      registers,
    });
  }

  recordTransitions(transitions: PresenceTransition[]): void {
    for (const t of transitions) this.transitions.inc({ status: t.status ? 'online' : 'offline' });
  }

  recordStats(stats: PresenceStats): void {
    this.onlineClients.set(stats.online);
    this.presenceChannels.set(stats.channels);
  }
}
