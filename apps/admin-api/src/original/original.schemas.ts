import {
  appIdSchema,
  ChannelsError,
  channelIdSchema,
  clientIdSchema,
  ErrorCode,
  eventTypeSchema,
  parseOrThrow,
} from '@channels/contracts';
import { z } from 'zod';

/**
 * Bodies and path segments of the original routes. Like the original product, fields it treated
 * as optional default to empty/false; identifiers follow protocol §2.
 */
const object = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: 'must be a JSON object' });
const text = (max: number) =>
  z.string({ error: 'must be a string' }).max(max, `must be at most ${max} characters`);
const flag = z.boolean({ error: 'must be true or false' });

export const AppCreateBody = object({ AppID: appIdSchema, Name: text(200).default('') });
export const AppUpdateBody = object({ Name: text(200) });
export const ClientCreateBody = object({
  clientID: clientIdSchema,
  username: text(200).default(''),
  extra: text(65_536).default(''),
});
export const ClientUpdateBody = object({ username: text(200).optional(), extra: text(65_536).optional() });
export const ChannelCreateBody = object({
  channelID: channelIdSchema,
  name: text(200).default(''),
  persistent: flag.default(false),
  private: flag.default(false),
  presence: flag.default(false),
  extra: text(65_536).default(''),
});
export const PublishBody = object({
  eventType: eventTypeSchema,
  payload: z.unknown().refine((v) => v !== undefined, 'is required'),
});

export const ChannelIdParam = channelIdSchema;
export const ClientIdParam = clientIdSchema;
export const AppIdParam = appIdSchema;

/** A non-negative integer path segment (`amount`, unix-second timestamps). */
export const natParam = (max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().max(max));

/** Largest accepted unix-second timestamp (year 5138): keeps millisecond arithmetic exact. */
export const MAX_SECONDS = 99_999_999_999;

/**
 * The app named by the `AppID` header. Required unless `optional` (listing routes, where no header
 * means every app — super admin only).
 */
export function appHeader(value: string | string[] | undefined, optional: true): string | undefined;
export function appHeader(value: string | string[] | undefined, optional?: false): string;
export function appHeader(value: string | string[] | undefined, optional = false): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') {
    if (optional) return undefined;
    throw new ChannelsError(ErrorCode.BadRequest, 'AppID header is required');
  }
  return parseOrThrow(appIdSchema, v, 'AppID header');
}
