import type { ServerResponse } from 'node:http';

/**
 * Content type of the answers a route assembles as JSON text itself (history: the events' stored
 * JSON is spliced in, not parsed and serialised again).
 */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Sends JSON text a route assembled itself (the route takes `@Res()`), 200. The text goes to the
 * socket as it is: the framework's `send` would first copy it into a Buffer to measure it — on a
 * history page of a few hundred events that copy was the largest allocation of the request, and
 * its off-heap memory what set the pace of full garbage collections.
 */
export function sendJsonText(res: ServerResponse, text: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
