import { z } from 'zod';
import { channelIdSchema, eventIdSchema, eventTypeSchema, typeError } from './validation';

/** Inbound socket.io payloads (protocol §3, client → server). Unknown keys are ignored. */

export const recoverPositionSchema = z.object({
  offset: z.number(typeError('must be a number')).int().min(0),
  epoch: z.string(typeError('must be a string')).max(64),
});

export const subscribeSchema = z.object({
  channels: z
    .array(channelIdSchema, typeError('must be an array of channel ids'))
    .min(1, 'must not be empty'),
  recover: z.record(z.string(), recoverPositionSchema, typeError('must be an object')).optional(),
});
export type SubscribeRequest = z.infer<typeof subscribeSchema>;

export const unsubscribeSchema = z.object({
  channels: z
    .array(channelIdSchema, typeError('must be an array of channel ids'))
    .min(1, 'must not be empty'),
});
export type UnsubscribeRequest = z.infer<typeof unsubscribeSchema>;

export const publishSchema = z.object({
  channelID: channelIdSchema,
  eventType: eventTypeSchema,
  payload: z.unknown().refine((v) => v !== undefined, 'is required'),
  id: eventIdSchema.optional(),
});
export type PublishRequest = z.infer<typeof publishSchema>;

/** Range and integer rules are worded by `ruleMessage` (`limit: must be at most 1000`). */
const nonNegInt = z.number(typeError('must be a number')).int().min(0);

export const historySchema = z.object({
  channelID: channelIdSchema,
  limit: z.number(typeError('must be a number')).int().min(1).max(1000).optional(),
  /** Unix ms, inclusive. */
  since: nonNegInt.optional(),
  /** Unix ms, inclusive. */
  until: nonNegInt.optional(),
  /** Exclusive: events with offset > sinceOffset. */
  sinceOffset: nonNegInt.optional(),
  order: z.enum(['asc', 'desc'], { error: 'must be "asc" or "desc"' }).optional(),
});
export type HistoryRequest = z.infer<typeof historySchema>;

export const presenceSchema = z.object({ channelID: channelIdSchema });
export type PresenceRequest = z.infer<typeof presenceSchema>;

/** Most channels one `channels` answer holds (also its default page size). */
export const CHANNELS_PAGE_MAX = 1000;

/**
 * `channels`: one page of the channels the caller may see, in channel id order. Without `cursor`
 * the first page; the answer's `nextCursor` (null on the last page) continues it.
 */
export const channelsSchema = z.object({
  kind: z.enum(['open', 'private'], { error: 'must be "open" or "private"' }),
  cursor: z.string(typeError('must be a string')).max(400, 'is not a valid cursor').optional(),
  limit: z.number(typeError('must be a number')).int().min(1).max(CHANNELS_PAGE_MAX).optional(),
});
export type ChannelsRequest = z.infer<typeof channelsSchema>;

/** `refresh`: a fresh token for the connection (same app, client and role), before the current one expires. */
export const refreshSchema = z.object({
  token: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(8_192, 'must be at most 8192 characters'),
});
export type RefreshRequest = z.infer<typeof refreshSchema>;
