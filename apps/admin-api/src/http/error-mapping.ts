import { ChannelsError, ErrorCode, type HttpErrorResponse, HTTP_STATUS_BY_CODE } from '@channels/contracts';

/** What the HTTP layer answers for a failure: a status and the protocol's error body. */
export interface HttpFailure {
  status: number;
  body: HttpErrorResponse;
  /** True when the failure is not the caller's fault and is worth logging with its cause. */
  unexpected: boolean;
  /** Sent as `Retry-After` (seconds): when a retry may succeed (429, 503). */
  retryAfterSeconds?: number;
}

/** What 503 answers put in `Retry-After`: the dependencies reconnect by themselves within about this. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** A refusal the caller may retry once `retryAfterSeconds` have passed (429 `rate_limited`). */
export class RetryLaterError extends ChannelsError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

/** Error codes of the Node drivers (pg, ioredis, net) that mean "the dependency is unreachable". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  // Prisma: cannot reach / timed out / closed the connection / pool timeout.
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  // Postgres: admin shutdown, crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

const CONNECTION_NAMES = new Set(['MaxRetriesPerRequestError', 'PrismaClientInitializationError']);

const CONNECTION_MESSAGES =
  /connection is closed|connect ECONNREFUSED|connection terminated|timeout exceeded when trying to connect|can't reach database|server has closed the connection|stream isn't writeable|connection refused|Connection lost|the database system is (starting up|shutting down)/i;

/** HTTP statuses Nest or Express raise themselves (unknown route, bad method…), by their code. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.BadRequest,
  429: ErrorCode.RateLimited,
  503: ErrorCode.Unavailable,
};

/** True when `e` (or any error in its `cause` chain) says Postgres or Redis could not be reached. */
export function isConnectionError(e: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const err = cur as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof err.code === 'string' && CONNECTION_CODES.has(err.code)) return true;
    if (typeof err.name === 'string' && CONNECTION_NAMES.has(err.name)) return true;
    if (typeof err.message === 'string' && CONNECTION_MESSAGES.test(err.message)) return true;
    if (Array.isArray(err.errors) && err.errors.some((x) => isConnectionError(x))) return true;
    cur = err.cause;
  }
  return false;
}

/**
 * Maps anything thrown while serving a request to its HTTP answer. Product errors keep their code
 * and message; framework HTTP errors (unknown route…) get the matching code; unreachable Postgres
 * or Redis is 503 `unavailable` (never 401: a dependency down is not the caller's credentials), with
 * `Retry-After`; anything else is 500 `internal` with a message that leaks nothing.
 */
export function toHttpFailure(e: unknown): HttpFailure {
  if (e instanceof ChannelsError) {
    const retryAfterSeconds =
      e instanceof RetryLaterError
        ? e.retryAfterSeconds
        : e.code === ErrorCode.Unavailable
          ? UNAVAILABLE_RETRY_AFTER_SECONDS
          : undefined;
    return {
      status: HTTP_STATUS_BY_CODE[e.code],
      body: { error: e.toBody() },
      unexpected: e.code === ErrorCode.Internal,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }
  const status = httpStatusOf(e);
  if (status !== undefined && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? ErrorCode.BadRequest;
    return {
      status: code === ErrorCode.NotFound && status === 405 ? 404 : status,
      body: { error: { code, message: frameworkMessage(e, status) } },
      unexpected: false,
    };
  }
  if (isConnectionError(e) || status === 503) {
    return {
      status: 503,
      body: {
        error: { code: ErrorCode.Unavailable, message: 'a storage dependency is unavailable; retry shortly' },
      },
      unexpected: true,
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    };
  }
  return {
    status: 500,
    body: { error: { code: ErrorCode.Internal, message: 'internal error' } },
    unexpected: true,
  };
}

/** The status of a Nest `HttpException` or an http-errors style error (`status`/`statusCode`). */
function httpStatusOf(e: unknown): number | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const x = e as { getStatus?: () => unknown; status?: unknown; statusCode?: unknown };
  const s = typeof x.getStatus === 'function' ? x.getStatus() : (x.status ?? x.statusCode);
  return typeof s === 'number' && Number.isInteger(s) ? s : undefined;
}

function frameworkMessage(e: unknown, status: number): string {
  if (status === 404 || status === 405) {
    const m = e instanceof Error ? /^Cannot (\w+) (.*)$/.exec(e.message) : null;
    return m ? `no route ${m[1]} ${m[2]}` : 'no such route';
  }
  if (status === 413) return 'request body too large';
  const msg = e instanceof Error ? e.message : '';
  return msg && msg.length < 200 ? msg : 'bad request';
}
