import { z } from 'zod';
import { channelIdSchema, eventIdSchema, eventTypeSchema } from './validation';

/** Inbound socket.io payloads (protocol §3, client → server). Unknown keys are ignored. */

export const recoverPositionSchema = z.object({
  offset: z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be >= 0'),
  epoch: z.string({ error: 'must be a string' }).max(64),
});

export const subscribeSchema = z.object({
  channels: z
    .array(channelIdSchema, { error: 'must be an array of channel ids' })
    .min(1, 'must not be empty'),
  recover: z.record(z.string(), recoverPositionSchema, { error: 'must be an object' }).optional(),
});
export type SubscribeRequest = z.infer<typeof subscribeSchema>;

export const unsubscribeSchema = z.object({
  channels: z
    .array(channelIdSchema, { error: 'must be an array of channel ids' })
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

const nonNegInt = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be >= 0');

export const historySchema = z.object({
  channelID: channelIdSchema,
  limit: z.number({ error: 'must be a number' }).int('must be an integer').min(1).max(1000).optional(),
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

export const channelsSchema = z.object({
  kind: z.enum(['open', 'private'], { error: 'must be "open" or "private"' }),
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
