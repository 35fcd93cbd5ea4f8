import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Histogram, type Registry } from 'prom-client';

/**
 * Measures each request inside the process, from its arrival to the moment its status line and
 * headers are written (body parsing, auth, handler, Postgres/Redis, JSON serialisation), and
 * reports it twice: a `Server-Timing: app;dur=<ms>` response header (what benchmarks read, free of
 * client-side and loopback noise) and the `admin_api_http_request_duration_seconds` histogram.
 */
export function requestTiming(registry: Registry): RequestHandler {
  const histogram = new Histogram({
    name: 'admin_api_http_request_duration_seconds',
    help: 'Time from request arrival to response headers, by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return function requestTimer(req: Request, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    const writeHead = res.writeHead;
    let seconds = 0;
    res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (!this.headersSent) this.setHeader('Server-Timing', `app;dur=${(seconds * 1000).toFixed(3)}`);
      return writeHead.apply(this, args);
    } as Response['writeHead'];
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      histogram.observe(
        { method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) },
        seconds,
      );
    });
    next();
  };
}
