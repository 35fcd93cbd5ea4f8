import { z } from 'zod';
import { ChannelsError, ErrorCode } from './errors';

const hasControlChars = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20);

/** Identifier rules of protocol §2. */
export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9_\-:.@]{1,100}$/;
export const appIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(150, 'must be at most 150 characters')
  .refine((s) => !hasControlChars(s) && !/[{}]/.test(s), 'must not contain control characters or braces');
export const clientIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((s) => !hasControlChars(s), 'must not contain control characters');
export const channelIdSchema = z
  .string({ error: 'must be a string' })
  .regex(CHANNEL_ID_PATTERN, 'must be 1-100 characters of [A-Za-z0-9_-:.@]');
export const eventTypeSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters');
/** Publisher-chosen idempotency key. */
export const eventIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters');

/**
 * Parses `input` with `schema`, turning the first issue into a `bad_request` whose message names
 * the offending field (`channels.2: must be 1-100 characters …`).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = 'payload'): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ChannelsError(ErrorCode.BadRequest, describeZodError(result.error, what));
}

export function describeZodError(error: z.ZodError, what = 'payload'): string {
  const issue = error.issues[0];
  if (!issue) return `invalid ${what}`;
  const path = issue.path.length ? issue.path.map(String).join('.') : what;
  return `${path}: ${issue.message}`;
}
