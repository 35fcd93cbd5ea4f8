import {
  type DeliverWebhookJob,
  type RetryWebhookJob,
  type WebhookAttempt,
  type WebhookBody,
  webhookBodyText,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
} from '@channels/contracts';
import type { NewWebhookDelivery, WebhookTarget } from '@channels/db';
import type { SlotAnswer, WebhookChain, WebhookDispatch, WebhookOutbox } from '@channels/realtime';
import type { SendResult } from './webhook-sender';

/** Where deliveries and their attempts are recorded (Postgres: `WebhookRepository`). */
export interface DeliveryStore {
  recordAttempt(
    d: NewWebhookDelivery,
    attempt: WebhookAttempt,
    status: WebhookDeliveryStatus,
  ): Promise<boolean>;
  find(appID: string, id: string): Promise<WebhookDelivery | null>;
}

export interface DeliveryPorts {
  outbox: WebhookOutbox;
  dispatch: WebhookDispatch;
  store: DeliveryStore;
  /** The app's URL and signing key, or null when its webhooks are off (or the app is gone). */
  target: (appID: string) => Promise<WebhookTarget | null>;
  acquire: (appID: string) => Promise<SlotAnswer>;
  send: (url: string, id: string, body: string, apiSecret: string) => Promise<SendResult>;
  clock?: () => number;
}

/** What became of one run of a job. */
export type Outcome =
  /** Received (2xx); the chain moved on. */
  | { kind: 'delivered'; result: SendResult; timestamp: number }
  /** This attempt failed; the job is to be retried after its backoff. */
  | { kind: 'retry'; result: SendResult; error: string }
  /** The last attempt failed (or the app's webhooks are off): a dead letter; the chain moved on. */
  | { kind: 'failed'; error: string }
  /** The app has no free slot: try again after `retryInMs`, this run did not count as an attempt. */
  | { kind: 'throttled'; retryInMs: number }
  /** Nothing to do: already finished, not (or no longer) to be sent. */
  | { kind: 'skipped'; reason: string };

const WEBHOOKS_OFF = 'webhooks are turned off for the app';

/**
 * One job of the webhooks queue, whatever runs it (the BullMQ worker, or a test).
 *
 * `deliver` sends the head of a chain: only a chain's head is ever sent, and the next one is handed
 * on only once it is delivered or failed for good, so a channel's webhooks reach the receiver in
 * `sequence` order, one at a time. Every attempt is recorded before the chain moves on; a replica
 * that dies at any point leaves the head in its chain (its job is taken over, or the sweeper hands
 * it on again), so a webhook may be sent twice — with the same id — but never lost.
 *
 * `retry` sends again, out of order, a delivery an admin asked to retry.
 */
export class DeliveryWorkflow {
  private readonly clock: () => number;

  constructor(
    private readonly ports: DeliveryPorts,
    /** Attempts before a delivery fails for good. */
    private readonly maxAttempts: number,
  ) {
    this.clock = ports.clock ?? Date.now;
  }

  /** `attemptsMade`: failed attempts of this job so far. */
  async deliver(job: DeliverWebhookJob, attemptsMade: number): Promise<Outcome> {
    const chain: WebhookChain =
      job.channelID === undefined ? { appID: job.appID } : { appID: job.appID, channelID: job.channelID };
    const body = await this.ports.outbox.read(chain, job.deliveryID);
    if (!body) return { kind: 'skipped', reason: 'already finished' };
    const head = await this.ports.outbox.head(chain);
    if (head !== job.deliveryID) return { kind: 'skipped', reason: `not the head of its chain (${head})` };
    const record = toRecord(body);
    const outcome = await this.attempt(record, attemptsMade);
    if (outcome.kind === 'delivered' || outcome.kind === 'failed') await this.handOn(chain, job.deliveryID);
    return outcome;
  }

  async retry(job: RetryWebhookJob, attemptsMade: number): Promise<Outcome> {
    const d = await this.ports.store.find(job.appID, job.deliveryID);
    if (!d) return { kind: 'skipped', reason: 'no such delivery' };
    if (d.status !== 'pending') return { kind: 'skipped', reason: `already ${d.status}` };
    return this.attempt(
      {
        id: d.id,
        appID: d.appID,
        type: d.type,
        channelID: d.channelID,
        clientID: d.clientID,
        sequence: d.sequence,
        body: d.body,
      },
      attemptsMade,
    );
  }

  private async attempt(d: NewWebhookDelivery, attemptsMade: number): Promise<Outcome> {
    const target = await this.ports.target(d.appID);
    if (!target) {
      const at = this.clock();
      await this.ports.store.recordAttempt(d, { at, error: WEBHOOKS_OFF, durationMs: 0 }, 'failed');
      return { kind: 'failed', error: WEBHOOKS_OFF };
    }
    const slot = await this.ports.acquire(d.appID);
    if (!slot.ok) return { kind: 'throttled', retryInMs: slot.retryInMs };
    const at = this.clock();
    let result: SendResult;
    try {
      result = await this.ports.send(target.url, d.id, d.body, target.apiSecret);
    } finally {
      await slot.release().catch(() => undefined);
    }
    const last = attemptsMade + 1 >= this.maxAttempts;
    const status: WebhookDeliveryStatus = result.ok ? 'delivered' : last ? 'failed' : 'pending';
    const attempt: WebhookAttempt = {
      at,
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
      durationMs: result.durationMs,
    };
    await this.ports.store.recordAttempt(d, attempt, status);
    if (result.ok) return { kind: 'delivered', result, timestamp: JSON.parse(d.body).timestamp as number };
    const error = result.error ?? 'failed';
    return last ? { kind: 'failed', error } : { kind: 'retry', result, error };
  }

  private async handOn(chain: WebhookChain, deliveryID: string): Promise<void> {
    const next = await this.ports.outbox.complete(chain, deliveryID);
    if (next) await this.ports.dispatch.deliver({ ...chain, deliveryID: next });
  }
}

const toRecord = (body: WebhookBody): NewWebhookDelivery => ({
  id: body.id,
  appID: body.appID,
  type: body.type,
  channelID: body.channelID ?? null,
  clientID: body.clientID ?? null,
  sequence: body.sequence,
  body: webhookBodyText(body),
});
