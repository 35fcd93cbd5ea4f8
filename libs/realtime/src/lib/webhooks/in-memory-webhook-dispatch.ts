import type { DeliverWebhookJob, RetryWebhookJob } from '@channels/contracts';
import type { WebhookDispatch } from './webhook-dispatch.port';

/** In-process `WebhookDispatch` for unit tests: records the jobs, or fails while told to. */
export class InMemoryWebhookDispatch implements WebhookDispatch {
  readonly delivers: DeliverWebhookJob[] = [];
  readonly retries: RetryWebhookJob[] = [];
  private failure: Error | null = null;

  failWith(error: Error | null): void {
    this.failure = error;
  }

  async deliver(job: DeliverWebhookJob): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.delivers.some((j) => j.deliveryID === job.deliveryID)) this.delivers.push(job);
  }

  async retry(job: RetryWebhookJob): Promise<void> {
    if (this.failure) throw this.failure;
    this.retries.push(job);
  }

  async close(): Promise<void> {
    return undefined;
  }
}
