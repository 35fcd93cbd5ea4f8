import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/** Every method the routes use; the original product forgot DELETE, so browsers could not delete. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const CORS_HEADERS = [
  'Authorization',
  'AppID',
  'Content-Type',
  'Content-Length',
  'Accept',
  'Accept-Encoding',
  'Origin',
  'Cache-Control',
  'X-Requested-With',
  'X-CSRF-Token',
];

/**
 * CORS for browser dashboards and SDKs: preflight (`OPTIONS`) answers 204 with every method and
 * header the API uses. `origins` is `*` or a comma-separated allow-list.
 */
export function corsOptions(origins: string): CorsOptions {
  const list = origins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return {
    origin: list.length === 0 || list.includes('*') ? '*' : list,
    methods: CORS_METHODS,
    allowedHeaders: CORS_HEADERS,
    exposedHeaders: ['Server-Timing'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}
