/** Throws the first error of an ioredis pipeline's results (or when the pipeline was aborted). */
export function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('redis pipeline aborted');
  for (const [err] of results) if (err) throw err;
}
