import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import {
  DELIVER_WEBHOOK_JOB,
  deliverWebhookJobSchema,
  type DeliverWebhookJob,
  RETRY_WEBHOOK_JOB,
  retryWebhookJobSchema,
  type RetryWebhookJob,
  WEBHOOKS_QUEUE,
} from '@channels/contracts';
import { WebhookRepository } from '@channels/db';
import {
  AppDeliveryLimiter,
  bullPrefix,
  createRedis,
  REDIS,
  REDIS_KEYS,
  RedisControlBus,
  type RedisKeys,
  WEBHOOK_DISPATCH,
  WEBHOOK_OUTBOX,
  type WebhookDispatch,
  type WebhookOutbox,
} from '@channels/realtime';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type Redis from 'ioredis';
import type { WebhooksConfig } from '../config';
import { WebhooksMetrics } from '../ops/webhooks-metrics';
import { webhookBackoff } from './backoff';
import { DeliveryWorkflow, type Outcome } from './delivery-workflow';
import { TargetCache } from './target-cache';
import { sendWebhook } from './webhook-sender';

type WebhookJob = Job<DeliverWebhookJob | RetryWebhookJob, void, string>;

/** How long a worker trusts an app's URL and key (a `webhooks_updated` drops it at once). */
const TARGET_CACHE_MS = 5_000;

/**
 * Consumes the webhooks queue with a BullMQ worker holding WEBHOOKS_CONCURRENCY jobs. Each job runs
 * the `DeliveryWorkflow`; a failed attempt is thrown back to BullMQ, which runs the job again after
 * the `webhook` backoff; an app without a free slot has its job moved to delayed (not an attempt),
 * so the worker's slots go to other apps meanwhile. A job held by a replica that dies is taken over
 * after WEBHOOKS_LOCK_DURATION_MS. On shutdown the requests in flight are finished first.
 */
@Injectable()
export class DeliveryProcessor implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private readonly workflow: DeliveryWorkflow;
  private readonly targets: TargetCache;
  private worker: Worker<DeliverWebhookJob | RetryWebhookJob, void, string> | null = null;
  private workerConnection: Redis | null = null;
  private queue: Queue | null = null;
  private unsubscribe?: () => Promise<void>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: WebhooksConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(WEBHOOK_OUTBOX) outbox: WebhookOutbox,
    @Inject(WEBHOOK_DISPATCH) dispatch: WebhookDispatch,
    repository: WebhookRepository,
    private readonly metrics: WebhooksMetrics,
  ) {
    this.targets = new TargetCache((appID) => repository.target(appID), TARGET_CACHE_MS);
    const limiter = new AppDeliveryLimiter(redis, keys, {
      concurrency: config.WEBHOOK_APP_CONCURRENCY,
      perSecond: config.WEBHOOK_APP_RATE_PER_SEC,
      slotLeaseMs: config.WEBHOOK_TIMEOUT_MS + 5_000,
    });
    this.workflow = new DeliveryWorkflow(
      {
        outbox,
        dispatch,
        store: repository,
        target: (appID) => this.targets.get(appID),
        acquire: (appID) => limiter.acquire(appID),
        send: (url, id, body, secret) => sendWebhook(url, id, body, secret, config.WEBHOOK_TIMEOUT_MS),
      },
      config.WEBHOOK_ATTEMPTS,
    );
  }

  async onModuleInit(): Promise<void> {
    this.queue = new Queue(WEBHOOKS_QUEUE, {
      connection: this.redis,
      prefix: bullPrefix(this.config.REDIS_KEY_PREFIX),
    });
    this.queue.on('error', () => undefined);
    const queue = this.queue;
    this.metrics.queueCounts = async () => {
      const c = await queue.getJobCounts('wait', 'active', 'delayed');
      return { waiting: c['wait'] ?? 0, active: c['active'] ?? 0, delayed: c['delayed'] ?? 0 };
    };
    const bus = new RedisControlBus(this.redis, this.keys.controlChannel());
    this.unsubscribe = await bus
      .subscribe(
        (m) => {
          if (m.type === 'webhooks_updated' || m.type === 'app_deleted') this.targets.invalidate(m.appID);
        },
        () => this.targets.invalidate(),
      )
      .catch((e: unknown) => {
        this.logger.warn(`control channel not subscribed (${String(e)}); cached targets expire on their own`);
        return undefined;
      });
  }

  onApplicationBootstrap(): void {
    const c = this.config;
    this.workerConnection = createRedis(c.REDIS_URL, { maxRetriesPerRequest: null });
    this.worker = new Worker(WEBHOOKS_QUEUE, (job, token) => this.process(job, token), {
      connection: this.workerConnection,
      prefix: bullPrefix(c.REDIS_KEY_PREFIX),
      concurrency: c.WEBHOOKS_CONCURRENCY,
      lockDuration: c.WEBHOOKS_LOCK_DURATION_MS,
      stalledInterval: c.WEBHOOKS_LOCK_DURATION_MS,
      maxStalledCount: 20,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          webhookBackoff(attemptsMade, c.WEBHOOK_BACKOFF_MS, c.WEBHOOK_BACKOFF_MAX_MS),
      },
    });
    this.worker.on('error', (e) => this.logger.warn(`queue connection: ${e.message}`));
  }

  /** Readiness: the worker runs and its Redis connection answers. */
  async check(): Promise<void> {
    if (!this.worker?.isRunning()) throw new Error('queue worker is not running');
    await this.workerConnection?.ping();
  }

  /** Runs before the global Postgres and Redis modules close their clients: requests in flight finish. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    await this.unsubscribe?.();
    await this.queue?.close().catch(() => undefined);
    await this.workerConnection?.quit().catch(() => this.workerConnection?.disconnect());
  }

  private async process(job: WebhookJob, token: string | undefined): Promise<void> {
    let outcome: Outcome;
    try {
      if (job.name === DELIVER_WEBHOOK_JOB) {
        outcome = await this.workflow.deliver(parse(deliverWebhookJobSchema, job), job.attemptsMade);
      } else if (job.name === RETRY_WEBHOOK_JOB) {
        outcome = await this.workflow.retry(parse(retryWebhookJobSchema, job), job.attemptsMade);
      } else {
        throw new UnrecoverableError(`unknown job ${job.name}`);
      }
    } catch (e) {
      if (!(e instanceof UnrecoverableError)) {
        this.metrics.failures.inc({ kind: 'job' });
        this.logger.warn(`webhook job ${job.id ?? '?'}: ${String(e)}; retried`);
      }
      throw e;
    }
    const m = this.metrics;
    switch (outcome.kind) {
      case 'delivered':
        m.deliveries.inc({ outcome: 'delivered' });
        m.requestSeconds.observe({ outcome: 'delivered' }, outcome.result.durationMs / 1000);
        m.deliveredLagSeconds.observe(Math.max(0, Date.now() - outcome.timestamp) / 1000);
        return;
      case 'retry':
        m.deliveries.inc({ outcome: 'retry' });
        m.requestSeconds.observe({ outcome: 'retry' }, outcome.result.durationMs / 1000);
        throw new Error(outcome.error);
      case 'failed':
        m.deliveries.inc({ outcome: 'failed' });
        this.logger.warn(
          `webhook ${job.data.deliveryID} of ${job.data.appID} failed for good: ${outcome.error}`,
        );
        return;
      case 'throttled':
        m.throttled.inc();
        await job.moveToDelayed(Date.now() + outcome.retryInMs, token);
        throw new DelayedError();
      case 'skipped':
        this.logger.debug(`webhook job ${job.id ?? '?'} skipped: ${outcome.reason}`);
        return;
    }
  }
}

function parse<T>(schema: { safeParse: (v: unknown) => { success: boolean; data?: T } }, job: WebhookJob): T {
  const r = schema.safeParse(job.data);
  if (!r.success) throw new UnrecoverableError(`malformed ${job.name} job; dropped`);
  return r.data as T;
}
