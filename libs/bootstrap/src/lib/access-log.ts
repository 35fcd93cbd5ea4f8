import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** A caller's request id longer than this is cut (it is logged on every line). */
const MAX_REQUEST_ID = 128;
const plain = (v: unknown) => v;

/** Query parameters that carry credentials (URL-only clients: EventSource, original SDKs, socket.io). */
const SECRET_PARAM = /([?&](?:token|authorization|access_token|apikey|api_key)=)[^&#]*/gi;

/** The URL as logged: credential parameters replaced by `[redacted]`. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_PARAM, '$1[redacted]');
}

/** Paths not logged: probes and scrapes arrive every few seconds and say nothing. */
const QUIET = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * One JSON line per finished HTTP request — `{req: {id, method, url}, res: {statusCode},
 * responseTime}` at `info` (5xx at `error`) — written on the root logger when the response ends.
 * Credentials in the query (`token`, `Authorization`, …) are redacted from the URL.
 *
 * The per-request cost is one `finish` listener (none at level `silent`): no child logger, no
 * serialised request, no AsyncLocalStorage context. (A request-scoped child logger per request, as pino-http makes,
 * costs ≈ 10 KB of short-lived objects and keeps async hooks on for the whole process; on a route
 * answering in under a millisecond that was most of the garbage collector's work.) The request id
 * is the caller's `X-Request-ID` (what ingress controllers set) or a per-process counter.
 */
export function accessLog(
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  let counter = 0;
  // The lines carry plain objects under `req` and `res`: the app logger's serializers for those
  // keys expect the raw request and response (and would print headers), so this child has none.
  const out = logger.child({}, { serializers: { req: plain, res: plain } });
  return function accessLogger(req, res, next) {
    if (!out.isLevelEnabled('error') || QUIET.test(req.url ?? '')) {
      next();
      return;
    }
    const start = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : 'info';
      if (!out.isLevelEnabled(level)) return;
      const header = req.headers['x-request-id'];
      out[level](
        {
          req: {
            id: typeof header === 'string' ? header.slice(0, MAX_REQUEST_ID) : ++counter,
            method: req.method,
            url: redactUrl(req.url),
          },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - start),
        },
        status >= 500 ? 'request errored' : 'request completed',
      );
    });
    next();
  };
}
