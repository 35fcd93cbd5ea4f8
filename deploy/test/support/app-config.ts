import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, type AppName, REPO_ROOT } from './repo';

/** What an app reads from its environment: the keys of the zod schema its config.ts exports. */
export interface AppEnv {
  app: AppName;
  /** Every env variable name the app reads. */
  names: Set<string>;
  /** Parses an env the way the app does at boot (defaults applied). */
  parse(
    env: Record<string, string>,
  ): { ok: true; value: Record<string, unknown> } | { ok: false; error: string };
}

interface ZodObjectLike {
  shape: Record<string, unknown>;
  safeParse(input: unknown): { success: boolean; data?: unknown; error?: { message: string } };
}

const isZodObject = (v: unknown): v is ZodObjectLike =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { shape?: unknown }).shape === 'object' &&
  typeof (v as { safeParse?: unknown }).safeParse === 'function';

/**
 * Loads apps/<app>/src/config.ts and returns its env schema. Fails (never skips) when the app or
 * its schema is missing: the deployment files cannot be checked against an app that is not there.
 */
export function loadAppEnv(app: AppName): AppEnv {
  const rel = `apps/${app}/src/config.ts`;
  const file = join(REPO_ROOT, rel);
  if (!existsSync(file)) {
    throw new Error(
      `${rel} does not exist (yet): the deployment manifests and docker-compose.yml set env variables ` +
        `for ${app}, and they can only be checked against the zod schema that file exports.`,
    );
  }
  const mod = require(file) as Record<string, unknown>;
  const schemas = Object.entries(mod).filter(([name, v]) => /EnvSchema$/.test(name) && isZodObject(v));
  if (schemas.length !== 1) {
    throw new Error(`${rel} must export exactly one zod object named *EnvSchema (found ${schemas.length})`);
  }
  const schema = schemas[0][1] as ZodObjectLike;
  return {
    app,
    names: new Set(Object.keys(schema.shape)),
    parse(env) {
      const r = schema.safeParse(env);
      return r.success
        ? { ok: true, value: r.data as Record<string, unknown> }
        : { ok: false, error: r.error?.message ?? 'invalid' };
    },
  };
}

export function loadAllAppEnvs(): Record<AppName, AppEnv> {
  return Object.fromEntries(APPS.map((a) => [a, loadAppEnv(a)])) as Record<AppName, AppEnv>;
}
