import 'reflect-metadata';
import { MetricsRegistry, runService } from '@channels/bootstrap';
import { AppModule } from './app.module';
import { adminApiEnvSchema } from './config';
import { AllErrorsFilter } from './http/all-errors.filter';
import { corsOptions } from './http/cors';
import { jsonBody, rawBody } from './http/json-body';
import { requestTiming } from './http/request-timing';
import { SERVER_API_PATH } from './server-api/server-api.controller';

void runService({
  service: 'admin-api',
  envSchema: adminApiEnvSchema,
  module: (config) => AppModule.forRoot(config),
  port: (config) => config.ADMIN_API_PORT,
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS,
  expressPrototypes: true,
  configure: (app, config) => {
    const express = app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): void };
    // No ETag hashing of every answer (nothing here revalidates), no framework banner.
    express.set('etag', false);
    express.set('x-powered-by', false);
    // Routing stays non-strict (Express' default): the original SDKs call routes with a trailing
    // slash (`POST /channel/{id}/publish/`), which must reach the same handlers.
    app.use(requestTiming(app.get(MetricsRegistry).registry));
    app.enableCors(corsOptions(config.CORS_ORIGINS));
    // The server API's signature covers the exact body bytes: its route reads them raw (and parses
    // them itself once the signature holds); the JSON parser then skips those requests.
    app.use(SERVER_API_PATH, rawBody(config.ADMIN_API_BODY_LIMIT_BYTES));
    // Registered under Nest's parser names, so Nest does not add its own (100 kB, HTML errors).
    app.use(jsonBody(config.ADMIN_API_BODY_LIMIT_BYTES));
    app.use(function urlencodedParser(_req: unknown, _res: unknown, next: () => void) {
      next();
    });
    app.useGlobalFilters(new AllErrorsFilter());
  },
});
