import { InvalidArgumentError } from 'commander';

/** Commander parser of an integer flag within [min, max]; anything else is a usage error. */
export const intArg =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (text: string): number => {
    const n = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}.`);
    }
    return n;
  };

/** Commander parser of an enumerated flag. */
export const oneOf =
  <T extends string>(...values: T[]) =>
  (text: string): T => {
    if (!(values as string[]).includes(text)) {
      throw new InvalidArgumentError(`must be one of ${values.join(', ')}.`);
    }
    return text as T;
  };
