import { type PipeTransform } from '@nestjs/common';
import { parseOrThrow } from '@channels/contracts';
import type { z } from 'zod';

/**
 * Validates a route argument with a zod schema; a failure is a 400 `bad_request` whose message
 * names the field and the rule it broke (`limit: must be at most 1000`), or `what` when the whole value is wrong.
 */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(
    private readonly schema: T,
    private readonly what: string,
  ) {}

  transform(value: unknown): z.output<T> {
    return parseOrThrow(this.schema, value, this.what);
  }
}

/** `@Body(body(schema))`: a JSON object body. */
export const body = <T extends z.ZodType>(schema: T) => new ZodPipe(schema, 'body');
/** `@Query(query(schema))`: the query string. */
export const query = <T extends z.ZodType>(schema: T) => new ZodPipe(schema, 'query');
/** `@Param('x', param(schema, 'x'))`: one path segment. */
export const param = <T extends z.ZodType>(schema: T, name: string) => new ZodPipe(schema, name);
