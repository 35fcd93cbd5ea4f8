import { Body, Controller, HttpCode, Logger, Post, UseGuards } from '@nestjs/common';
import { type ErrorBody, parseOrThrow, type Principal } from '@channels/contracts';
import { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard';
import { CountsCommands, RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { isConnectionError, toHttpFailure } from '../http/error-mapping';
import { body } from '../http/zod-pipe';
import { BATCH_METHODS, type BatchMethod, BatchCommands, batchParamSchemas } from './batch.commands';
import { v1Registry } from './v1.schemas';

export const MAX_BATCH_COMMANDS = 100;

export const BatchCommand = z.object(
  {
    method: z.enum(BATCH_METHODS as [BatchMethod, ...BatchMethod[]], {
      error: `must be one of ${BATCH_METHODS.join(', ')}`,
    }),
    params: z
      .unknown()
      .optional()
      .describe("The parameters of the method (the route's path ids and body fields)."),
  },
  { error: 'must be a JSON object' },
);
export const BatchBody = z.object(
  {
    commands: z
      .array(z.unknown(), { error: 'must be an array of commands' })
      .min(1, 'must not be empty')
      .max(MAX_BATCH_COMMANDS, `must hold at most ${MAX_BATCH_COMMANDS} commands`),
  },
  { error: 'must be a JSON object' },
);
export const BatchResult = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
/** Documentation forms (the body is validated command by command, so one bad command fails alone). */
export const BatchDoc = BatchBody.extend({ commands: z.array(BatchCommand).min(1).max(MAX_BATCH_COMMANDS) });
export const BatchResultsDoc = z.object({ results: z.array(BatchResult) });
v1Registry.add(BatchCommand, { id: 'BatchCommand' });
v1Registry.add(BatchDoc, { id: 'Batch' });
v1Registry.add(BatchResultsDoc, { id: 'BatchResults' });

export type BatchOutcome = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

/**
 * `POST /v1/batch`: runs up to 100 commands one after the other, in order, and answers each in
 * order. A failing command (bad parameters, forbidden, not found, a dependency down) fails alone.
 */
@Controller('v1/batch')
@UseGuards(AuthGuard, RateLimitGuard)
@CountsCommands()
export class BatchController {
  private readonly logger = new Logger(BatchController.name);

  constructor(private readonly commands: BatchCommands) {}

  @Post()
  @HttpCode(200)
  async run(@Auth() p: Principal, @Body(body(BatchBody)) b: z.output<typeof BatchBody>) {
    const results: BatchOutcome[] = [];
    for (const [i, raw] of b.commands.entries()) results.push(await this.runOne(p, raw, i));
    return { results };
  }

  private async runOne(p: Principal, raw: unknown, index: number): Promise<BatchOutcome> {
    try {
      const cmd = parseOrThrow(BatchCommand, raw, `commands.${index}`);
      const params = parseOrThrow(batchParamSchemas[cmd.method], cmd.params ?? {}, 'params');
      const handler = this.commands.handlers[cmd.method] as (
        p: Principal,
        params: unknown,
      ) => Promise<unknown>;
      return { ok: true, result: await handler(p, params) };
    } catch (e) {
      const failure = toHttpFailure(e);
      if (failure.unexpected && !isConnectionError(e))
        this.logger.error(`batch command ${index} failed: ${(e as Error).message}`);
      return { ok: false, error: failure.body.error };
    }
  }
}
