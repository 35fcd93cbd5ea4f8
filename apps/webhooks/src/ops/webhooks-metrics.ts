import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@channels/bootstrap';
import { Counter, Gauge, Histogram } from 'prom-client';

/** What the webhooks service exposes on /metrics (queue gauges are read at scrape time). */
@Injectable()
export class WebhooksMetrics {
  readonly deliveries: Counter<'outcome'>;
  readonly requestSeconds: Histogram<'outcome'>;
  readonly deliveredLagSeconds: Histogram;
  readonly throttled: Counter;
  readonly sweptHeads: Counter;
  readonly failures: Counter<'kind'>;
  readonly queueJobs: Gauge<'state'>;
  queueCounts: (() => Promise<Record<string, number>>) | null = null;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({
      name: 'channels_webhooks_deliveries_total',
      help: 'Delivery attempts by outcome (delivered: 2xx; retry: failed, to be tried again; failed: failed for good, a dead letter)',
      labelNames: ['outcome'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'channels_webhooks_request_seconds',
      help: 'Time the receiver took to answer (or the timeout), by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.deliveredLagSeconds = new Histogram({
      name: 'channels_webhooks_delivered_lag_seconds',
      help: 'From the moment a webhook happened (its timestamp) to its delivery, retries included',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.throttled = new Counter({
      name: 'channels_webhooks_throttled_total',
      help: 'Deliveries put back for a moment because their app had WEBHOOK_APP_CONCURRENCY requests in flight or reached its rate',
      registers,
    });
    this.sweptHeads = new Counter({
      name: 'channels_webhooks_swept_heads_total',
      help: 'Chain heads the sweeper handed on again (their producer died between queueing and handing on)',
      registers,
    });
    this.failures = new Counter({
      name: 'channels_webhooks_failures_total',
      help: 'Internal failures (job: a job failed back to the queue on a Redis or Postgres error; sweep; sync)',
      labelNames: ['kind'],
      registers,
    });
    const counts = () => this.queueCounts;
    this.queueJobs = new Gauge({
      name: 'channels_webhooks_queue_jobs',
      help: 'Webhook jobs by state (waiting, active, delayed: in backoff or throttled) — the queue depth',
      labelNames: ['state'],
      registers,
      async collect() {
        const c = await counts()?.().catch(() => null);
        for (const [state, n] of Object.entries(c ?? {})) this.set({ state }, n);
      },
    });
  }
}
