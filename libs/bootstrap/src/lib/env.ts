import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's schema; lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates `env` once against `schema` (keys are env variable names). Services call it at boot and
 * exit non-zero with the message on failure; nothing else in a service reads `process.env`.
 */
export function loadEnv<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv = process.env): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}${showValue(env, i.path)}`),
  );
}

function showValue(env: NodeJS.ProcessEnv, path: PropertyKey[]): string {
  const key = String(path[0] ?? '');
  if (!key || /SECRET|KEY|PASSWORD|TOKEN/i.test(key)) return '';
  const v = env[key];
  return v === undefined ? ' (not set)' : ` (got ${JSON.stringify(v)})`;
}

/** Env helpers: integers with bounds, booleans written as true/false/1/0, URLs. */
export const envInt = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be >= ${min}`)
    .max(max, `must be <= ${max}`)
    .default(def);

export const envBool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const envUrl = (def: string, protocols: string[]) =>
  z
    .string()
    .default(def)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL with protocol ${protocols.join(' or ')}`,
    );

/** Settings every service shares. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: envUrl('redis://127.0.0.1:6379/0', ['redis:', 'rediss:']),
  /** Prepended to every Redis key, channel and queue name (isolates deployments and test runs). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,40}$/, 'must be 1-40 characters of [A-Za-z0-9_:.-]')
    .default('chn:'),
  /** Grace period for in-flight work on SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 0, 600_000),
});

export const databaseEnvSchema = z.object({
  DATABASE_URL: envUrl('postgresql://postgres@127.0.0.1:5432/channels', ['postgresql:', 'postgres:']),
  DATABASE_POOL_SIZE: envInt(10, 1, 200),
});

export const jwtEnvSchema = z.object({
  /** HS256 secret. */
  JWT_SECRET: z.string().min(8, 'must be at least 8 characters').default('channels-dev-secret-change-me'),
  /** Optional PEM public key; when set, RS256 tokens are accepted too. */
  JWT_PUBLIC_KEY: z.string().optional(),
});
