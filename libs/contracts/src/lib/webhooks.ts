import { z } from 'zod';
import { appIdSchema, channelIdSchema, clientIdSchema, typeError } from './validation';

/**
 * Webhooks (protocol §5.4): the app's backend is told, asynchronously, what happened. Every type a
 * webhook setting may choose, in the contract's names.
 */
export const WEBHOOK_TYPES = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'client_online',
  'client_offline',
  'event_published',
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export const webhookTypeSchema = z.enum(WEBHOOK_TYPES, {
  error: `must be one of ${WEBHOOK_TYPES.map((t) => `"${t}"`).join(', ')}`,
});

/** Header carrying the webhook's `id` (the receiver's idempotency key across retries). */
export const WEBHOOK_ID_HEADER = 'X-Channels-Webhook-Id';
/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body with the app's API secret>` (hooks too). */
export const SIGNATURE_HEADER = 'X-Channels-Signature';

/**
 * The JSON body POSTed to the app's webhook URL. `id` is unique per webhook and stays the same on
 * every retry; `sequence` increases per channel (per app for webhooks without a channel), so a
 * receiver can order what it got. Numbers may skip (a producer that died between taking a number
 * and queueing the webhook), never repeat nor go back.
 */
export const webhookBodySchema = z.object({
  id: z.uuid({ error: 'must be a uuid' }),
  appID: appIdSchema,
  type: webhookTypeSchema,
  channelID: channelIdSchema.optional(),
  clientID: clientIdSchema.optional(),
  sequence: z.number(typeError('must be a number')).int().min(1),
  timestamp: z.number(typeError('must be a number')).int().min(0),
  data: z.unknown().optional(),
});
export type WebhookBody = z.infer<typeof webhookBodySchema>;

/** What a producer says about a webhook (the rest of the body is assigned when it is queued). */
export interface WebhookSubject {
  channelID?: string;
  clientID?: string;
  /** Type-specific details (e.g. `event_published`: the event). Any JSON value. */
  data?: unknown;
}

/**
 * The body's exact text, fields in the contract's order. The same fields always give the same text,
 * so every attempt of a delivery sends (and signs) the same bytes.
 */
export function webhookBodyText(body: WebhookBody): string {
  const ordered: WebhookBody = {
    id: body.id,
    appID: body.appID,
    type: body.type,
    ...(body.channelID !== undefined ? { channelID: body.channelID } : {}),
    ...(body.clientID !== undefined ? { clientID: body.clientID } : {}),
    sequence: body.sequence,
    timestamp: body.timestamp,
    ...(body.data !== undefined ? { data: body.data } : {}),
  };
  return JSON.stringify(ordered);
}

/** A delivery's state: queued or being retried, received (2xx), or given up on (a dead letter, retryable). */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One try at POSTing a delivery. */
export interface WebhookAttempt {
  /** Unix ms the request started. */
  at: number;
  /** HTTP status of the answer; absent when none came (timeout, refused connection). */
  statusCode?: number;
  /** Why it did not count as delivered; absent on a 2xx. */
  error?: string;
  durationMs: number;
}

/** A webhook and what became of it (admin API). */
export interface WebhookDelivery {
  id: string;
  appID: string;
  type: WebhookType;
  channelID: string | null;
  clientID: string | null;
  sequence: number;
  /** The exact JSON text sent (and signed). */
  body: string;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  createdAt: number;
  updatedAt: number;
}

/** An app's webhook setting: where to POST and which types. */
export interface WebhookSettings {
  url: string;
  types: WebhookType[];
}

/** BullMQ queue carrying webhook deliveries to the webhooks service. */
export const WEBHOOKS_QUEUE = 'channels-webhooks';
/** Job: send the head of a delivery chain (a channel's, or the app's) — the next in sequence order. */
export const DELIVER_WEBHOOK_JOB = 'deliver';
/** Job: send again a delivery that failed for good, out of its chain's order (an admin asked). */
export const RETRY_WEBHOOK_JOB = 'retry';

export const deliverWebhookJobSchema = z.object({
  appID: appIdSchema,
  /** The channel whose chain the delivery heads; absent for the app's own chain. */
  channelID: channelIdSchema.optional(),
  deliveryID: z.uuid(),
});
export type DeliverWebhookJob = z.infer<typeof deliverWebhookJobSchema>;

export const retryWebhookJobSchema = z.object({
  appID: appIdSchema,
  deliveryID: z.uuid(),
});
export type RetryWebhookJob = z.infer<typeof retryWebhookJobSchema>;
