import type { ServerResponse } from 'node:http';

/**
 * Content type of the answers a route assembles as JSON text itself (history: the events' stored
 * JSON is spliced in, not parsed and serialised again).
 */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Sends JSON text a route assembled itself (the route takes `@Res()`), 200.
 *
 * The text goes to the socket as it is, never copied on the JavaScript heap: the framework's
 * `send` would copy it into a Buffer to measure it, and Node's `end(text)` with the headers not yet
 * written prepends them to the body — a second copy of the whole answer, made when the joined
 * string is flattened for the socket. On a history page of a few hundred events those copies were
 * most of what the request allocated, and what set the pace of garbage collection. Here the
 * headers are written first and the body after them, in one corked write.
 */
export function sendJsonText(res: ServerResponse, text: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.cork();
  res.flushHeaders();
  res.end(text);
  res.uncork();
}
