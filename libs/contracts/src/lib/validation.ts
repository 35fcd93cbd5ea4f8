import { z } from 'zod';
import { ChannelsError, ErrorCode } from './errors';

const hasControlChars = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20);

/**
 * A schema's own message for a value of the wrong type only (`z.number(typeError('must be a
 * number'))`). A plain `{ error: '…' }` would also answer every range and integer check of that
 * schema (`limit: 5000` → "must be a number"); with this, those fall through to `ruleMessage`.
 */
export const typeError = (message: string) => ({
  error: (iss: z.core.$ZodRawIssue) =>
    iss.code === 'invalid_type' && iss.expected !== 'int' ? message : undefined,
});

const plural = (n: number | bigint, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The rule an out-of-range value broke, in the contract's wording: `must be at most 1000`,
 * `must be at least 1`, `must be at most 100 characters`, `must not be empty`, `must have at most
 * 1000 items`, `must be an integer`, `must be a multiple of 5`. Undefined for other issues (their
 * schema words them). Every `parseOrThrow` uses it for the checks that carry no message of their own.
 */
export function ruleMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'too_big':
    case 'too_small': {
      const big = iss.code === 'too_big';
      const n = big ? iss.maximum : iss.minimum;
      const inclusive = iss.inclusive !== false;
      switch (iss.origin) {
        case 'number':
        case 'int':
        case 'bigint':
          if (big) return inclusive ? `must be at most ${n}` : `must be less than ${n}`;
          return inclusive ? `must be at least ${n}` : `must be greater than ${n}`;
        case 'string':
          if (iss.exact) return `must be exactly ${plural(n, 'character', 'characters')}`;
          if (!big && n === 1) return 'must not be empty';
          return `must be ${big ? 'at most' : 'at least'} ${plural(n, 'character', 'characters')}`;
        case 'array':
        case 'set':
          if (iss.exact) return `must have exactly ${plural(n, 'item', 'items')}`;
          if (!big && n === 1) return 'must not be empty';
          return `must have ${big ? 'at most' : 'at least'} ${plural(n, 'item', 'items')}`;
        default:
          return undefined;
      }
    }
    case 'invalid_type':
      return iss.expected === 'int' ? 'must be an integer' : undefined;
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}`;
    default:
      return undefined;
  }
}

/** Identifier rules of protocol §2. */
/**
 * Channel ids: 1-100 characters of letters, digits and `_ - : . @ $ # ,` (protocol §5.1: `$public:chat`,
 * `dialog#alice,bob`). The part before the first `:` names the namespace; a `#` makes the channel
 * user-limited to the client ids listed after it (an id holds at most one `#`).
 */
export const CHANNEL_ID_PATTERN = /^(?=[^#]*#?[^#]*$)[A-Za-z0-9_\-:.@$#,]{1,100}$/;
export const appIdSchema = z
  .string(typeError('must be a string'))
  .min(1)
  .max(150)
  .refine((s) => !hasControlChars(s) && !/[{}]/.test(s), 'must not contain control characters or braces');
export const clientIdSchema = z
  .string(typeError('must be a string'))
  .min(1)
  .max(100)
  .refine((s) => !hasControlChars(s), 'must not contain control characters');
export const channelIdSchema = z
  .string(typeError('must be a string'))
  .regex(CHANNEL_ID_PATTERN, 'must be 1-100 characters of [A-Za-z0-9_-:.@$#,] with at most one #');
export const eventTypeSchema = z.string(typeError('must be a string')).min(1).max(50);
/** Publisher-chosen idempotency key. */
export const eventIdSchema = z.string(typeError('must be a string')).min(1).max(128);

/**
 * Parses `input` with `schema`, turning the first issue into a `bad_request` whose message names
 * the offending field and, for a value out of range, the rule it broke (`channels.2: must be 1-100
 * characters …`, `limit: must be at most 1000`).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = 'payload'): z.output<T> {
  const result = schema.safeParse(input, { error: ruleMessage });
  if (result.success) return result.data;
  throw new ChannelsError(ErrorCode.BadRequest, describeZodError(result.error, what));
}

export function describeZodError(error: z.ZodError, what = 'payload'): string {
  const issue = error.issues[0];
  if (!issue) return `invalid ${what}`;
  const path = issue.path.length ? issue.path.map(String).join('.') : what;
  return `${path}: ${issue.message}`;
}
