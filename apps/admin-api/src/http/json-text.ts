/**
 * Content type of the answers a route assembles as JSON text itself (history: the events' stored
 * JSON is spliced in, not parsed and serialised again). Such a route returns a string and sets this
 * with `@Header('Content-Type', JSON_CONTENT_TYPE)`.
 */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
