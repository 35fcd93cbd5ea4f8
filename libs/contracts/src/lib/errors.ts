/**
 * Error codes of the wire contract (protocol §1 and §3). Every error a client or an HTTP caller sees
 * carries one of these codes; the HTTP status for each is fixed here so every transport agrees.
 */
export const ErrorCode = {
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  Conflict: 'conflict',
  PayloadTooLarge: 'payload_too_large',
  RateLimited: 'rate_limited',
  ChannelClosed: 'channel_closed',
  TooManyChannels: 'too_many_channels',
  /** A connection refused because its client or its app holds as many as allowed (handshake only). */
  TooManyConnections: 'too_many_connections',
  Unavailable: 'unavailable',
  Internal: 'internal',
  /** The app's backend refused it (a hook answered `allow: false`); the message is its reason. */
  Denied: 'denied',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  channel_closed: 400,
  too_many_channels: 400,
  too_many_connections: 429,
  unavailable: 503,
  internal: 500,
  denied: 403,
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** HTTP error body: `{"error": {"code", "message"}}`. */
export interface HttpErrorResponse {
  error: ErrorBody;
}

/**
 * A failure the product reports to its caller. Services throw it; transports turn it into an
 * `ok:false` ack or an HTTP error body. Its message is safe to show (never internals).
 */
export class ChannelsError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelsError';
  }

  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

export const isChannelsError = (e: unknown): e is ChannelsError => e instanceof ChannelsError;
