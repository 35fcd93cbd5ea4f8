import { ErrorCode } from '@channels/contracts';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * JSON body parsing with the protocol's error shape: a body over `limitBytes` answers 413
 * `payload_too_large`, malformed JSON 400 `bad_request`. Every body is read as JSON whatever its
 * Content-Type, like the original product did (`curl -d '{…}'` sends a form content type).
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true });
  return function jsonParser(req: Request, res: Response, next: NextFunction): void {
    parse(req, res, (err?: unknown) => (err ? answerBodyError(res, err, limitBytes) : next()));
  };
}

/**
 * The body's exact bytes as a Buffer in `req.body` (left undefined when there is no body), for
 * routes that verify a signature over what was sent; same size limit and 413 answer as `jsonBody`.
 * Mounted before it, so the JSON parser skips these requests.
 */
export function rawBody(limitBytes: number): RequestHandler {
  const parse = express.raw({ limit: limitBytes, type: () => true });
  return function rawParser(req: Request, res: Response, next: NextFunction): void {
    parse(req, res, (err?: unknown) => (err ? answerBodyError(res, err, limitBytes) : next()));
  };
}

function answerBodyError(res: Response, err: unknown, limitBytes: number): void {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') {
    res.status(413).json({
      error: { code: ErrorCode.PayloadTooLarge, message: `request body exceeds ${limitBytes} bytes` },
    });
    return;
  }
  if (type === 'entity.parse.failed') {
    res.status(400).json({ error: { code: ErrorCode.BadRequest, message: 'body: malformed JSON' } });
    return;
  }
  res.status(400).json({
    error: { code: ErrorCode.BadRequest, message: `body: ${(err as Error).message ?? 'unreadable'}` },
  });
}
