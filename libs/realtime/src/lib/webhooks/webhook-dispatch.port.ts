import type { DeliverWebhookJob, RetryWebhookJob } from '@channels/contracts';

/** Injection token of the `WebhookDispatch`. */
export const WEBHOOK_DISPATCH = Symbol('WEBHOOK_DISPATCH');

/**
 * Hands deliveries to the webhooks service (the BullMQ queue). Each resolves once the job is
 * queued; adding the same delivery again while its job exists adds nothing.
 */
export interface WebhookDispatch {
  /** Have the head of a chain sent (in order). */
  deliver(job: DeliverWebhookJob): Promise<void>;
  /** Have a failed delivery sent again, out of its chain's order. */
  retry(job: RetryWebhookJob): Promise<void>;
  close(): Promise<void>;
}
