import { randomUUID } from 'node:crypto';
import type { WebhookSubject, WebhookType } from '@channels/contracts';
import type { WebhookDispatch } from './webhook-dispatch.port';
import type { WebhookOutbox } from './webhook-outbox.port';
import type { WebhookSettingsCache } from './webhook-settings.port';

/** Injection token of the `WebhookEmitter`. */
export const WEBHOOK_EMITTER = Symbol('WEBHOOK_EMITTER');

/** What `emit` queued: the webhook's id and its place in its chain. */
export interface EmittedWebhook {
  id: string;
  sequence: number;
}

/**
 * The producer of webhooks, used wherever something happens (admin-api, gateways, presence).
 * `emit` queues a webhook when the app wants its type: it gets a new `id` (uuid) and the next
 * `sequence` of its channel (of the app without a channel), is appended to its chain in the outbox
 * and, when it heads the chain, handed to the webhooks service. Once `emit` resolved the webhook is
 * kept until delivered or failed for good; when it rejects (Redis unreachable) nothing was queued,
 * or it was queued and a sweep hands it on.
 */
export class WebhookEmitter {
  constructor(
    private readonly settings: WebhookSettingsCache,
    private readonly outbox: WebhookOutbox,
    private readonly dispatch: WebhookDispatch,
    private readonly clock: () => number = Date.now,
    private readonly newID: () => string = randomUUID,
  ) {}

  /** Queues the webhook; null when the app does not want this type (or has no webhooks). */
  async emit(appID: string, type: WebhookType, subject: WebhookSubject = {}): Promise<EmittedWebhook | null> {
    if (!(await this.settings.typesOf(appID)).has(type)) return null;
    const id = this.newID();
    const { sequence, head } = await this.outbox.push({
      id,
      appID,
      type,
      ...(subject.channelID !== undefined ? { channelID: subject.channelID } : {}),
      ...(subject.clientID !== undefined ? { clientID: subject.clientID } : {}),
      timestamp: this.clock(),
      ...(subject.data !== undefined ? { data: subject.data } : {}),
    });
    if (head) {
      await this.dispatch.deliver({
        appID,
        ...(subject.channelID !== undefined ? { channelID: subject.channelID } : {}),
        deliveryID: id,
      });
    }
    return { id, sequence };
  }

  /** Drops cached settings (a `webhooks_updated` control message; undefined: every app's). */
  settingsChanged(appID?: string): void {
    this.settings.invalidate(appID);
  }
}
