import type { Error as ErrorBody } from './schema.gen';

export type ErrorCode = ErrorBody['error']['code'] | 'network';

/**
 * An error answered by admin-api (`{"error": {code, message}}`), or `network` when it could not be
 * reached. `field` is the request field the message names (`channelID: must be …` → `channelID`),
 * so a form can show the message under that field.
 */
export class ApiError extends Error {
  readonly field: string | undefined;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.field = /^([A-Za-z][\w.]*): /.exec(message)?.[1];
  }

  /** The message without the field name it starts with (shown under that field). */
  get detail(): string {
    return this.field ? this.message.slice(this.field.length + 2) : this.message;
  }
}

/** The ApiError behind `e`, or one wrapping an unexpected error. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
}
