import {
  type DeliverWebhookJob,
  DELIVER_WEBHOOK_JOB,
  RETRY_WEBHOOK_JOB,
  type RetryWebhookJob,
  WEBHOOKS_QUEUE,
} from '@channels/contracts';
import { type JobsOptions, Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createRedis } from '../redis/redis.module';
import { bullPrefix } from '../queue/queue-options';
import type { WebhookDispatch } from './webhook-dispatch.port';

/**
 * Options of every webhook job. The webhooks service decides when a delivery has failed for good
 * (its own WEBHOOK_ATTEMPTS) and the delay between attempts (its `webhook` backoff strategy); the
 * cap here only stops a job that somehow never ends. Finished jobs leave Redis at once: what became
 * of a delivery is recorded in Postgres.
 */
export const WEBHOOK_JOB_OPTIONS: JobsOptions = {
  attempts: 1_000,
  backoff: { type: 'webhook' },
  removeOnComplete: true,
  removeOnFail: true,
};

/** BullMQ job ids may not contain `:`; delivery ids are uuids. */
export const deliverJobId = (deliveryID: string): string => deliveryID;
export const retryJobId = (deliveryID: string): string => `${deliveryID}-retry-${Date.now()}`;

/** Producer side of the webhooks queue. Owns its Redis connection. */
export class BullmqWebhookDispatch implements WebhookDispatch {
  private readonly connection: Redis;
  private readonly queue: Queue<DeliverWebhookJob | RetryWebhookJob, unknown, string>;
  private closing: Promise<void> | null = null;

  constructor(options: { redisUrl: string; keyPrefix: string }) {
    this.connection = createRedis(options.redisUrl);
    this.queue = new Queue(WEBHOOKS_QUEUE, {
      connection: this.connection,
      prefix: bullPrefix(options.keyPrefix),
      defaultJobOptions: WEBHOOK_JOB_OPTIONS,
    });
    // Errors surface through the rejected adds; the connection heals by itself.
    this.queue.on('error', () => undefined);
  }

  async deliver(job: DeliverWebhookJob): Promise<void> {
    await this.queue.add(DELIVER_WEBHOOK_JOB, job, { jobId: deliverJobId(job.deliveryID) });
  }

  async retry(job: RetryWebhookJob): Promise<void> {
    await this.queue.add(RETRY_WEBHOOK_JOB, job, { jobId: retryJobId(job.deliveryID) });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.close().catch(() => undefined);
      await this.connection.quit().catch(() => this.connection.disconnect());
    })();
    return this.closing;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
