import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isConnectionError, toHttpFailure } from './error-mapping';

/**
 * Every failure of every route leaves as `{"error": {"code", "message"}}` with its status (protocol
 * §1): product errors keep their code, unknown routes are 404, unreachable Postgres/Redis is 503,
 * and nothing internal leaks into the message. 429 and 503 carry `Retry-After` (seconds).
 */
@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const failure = toHttpFailure(exception);
    if (failure.unexpected) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      const req = http.getRequest<Request>();
      const where = `${req.method} ${req.originalUrl}`;
      if (isConnectionError(exception)) this.logger.warn(`${where}: dependency unavailable: ${err.message}`);
      else this.logger.error(`${where}: ${err.message}`, err.stack);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (failure.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(failure.retryAfterSeconds));
    res.status(failure.status).json(failure.body);
  }
}
