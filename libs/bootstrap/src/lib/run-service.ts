import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Logger, PinoLogger } from 'nestjs-pino';
import { accessLog } from './access-log';
import { StableExpressAdapter } from './express-adapter';
import type { z } from 'zod';
import { ConfigError, loadEnv } from './env';
import { LifecycleService } from './lifecycle.service';

export interface RunServiceOptions<S extends z.ZodObject> {
  service: string;
  envSchema: S;
  /** Builds the root module from the validated config. */
  module: (config: z.output<S>) => unknown;
  port: (config: z.output<S>) => number;
  host?: string;
  shutdownTimeoutMs: (config: z.output<S>) => number;
  /**
   * Requests and responses born with Express's prototypes (`StableExpressAdapter`): for a service
   * whose work is HTTP requests (admin-api) — far less garbage per request. A socket.io gateway
   * keeps Node's own: each connection's upgrade request lives as long as the connection, and with
   * them idle connections measured ≈ 0.5 KB larger.
   */
  expressPrototypes?: boolean;
  /** Runs after the app is built and before it listens (attach socket.io, global filters…). */
  configure?: (app: INestApplication, config: z.output<S>) => Promise<void> | void;
}

/**
 * Boots one service process: validates env (exit 1 with a clear message on a bad value), builds
 * the Nest app with JSON logs, listens, and on SIGTERM/SIGINT flips the lifecycle flag first
 * (readiness goes false) then closes the app, forcing exit if shutdown overruns its budget.
 */
export async function runService<S extends z.ZodObject>(
  opts: RunServiceOptions<S>,
): Promise<INestApplication> {
  let config: z.output<S>;
  try {
    config = loadEnv(opts.envSchema);
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : String(e);
    process.stderr.write(
      JSON.stringify({ level: 'fatal', time: Date.now(), service: opts.service, msg }) + '\n',
    );
    process.exit(1);
  }
  const app = await NestFactory.create(
    opts.module(config) as never,
    opts.expressPrototypes ? new StableExpressAdapter() : new ExpressAdapter(),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.use(accessLog(PinoLogger.root));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const lifecycle = app.get(LifecycleService);
  const budget = opts.shutdownTimeoutMs(config) + 5_000;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.prependListener(signal, () => {
      lifecycle.beginShutdown();
      setTimeout(() => process.exit(1), budget).unref();
    });
  }
  await opts.configure?.(app, config);
  const port = opts.port(config);
  await app.listen(port, opts.host ?? '0.0.0.0');
  app.get(Logger).log(`${opts.service} listening on :${port}`, 'Bootstrap');
  return app;
}
