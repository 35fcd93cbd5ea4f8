import { z } from 'zod';
import { usageError } from './errors';

/**
 * The CLI's settings from the environment, validated once when a command runs; flags override
 * each of them (`--url` over `CHANNELS_ADMIN_URL`, …). Nothing else reads the environment.
 */
export const cliEnvSchema = z.object({
  /** admin-api base URL (`/v1` routes). */
  CHANNELS_ADMIN_URL: z.string().default('http://localhost:3000'),
  /** Where socket.io clients connect (the front door of the gateways), for `tail`. */
  CHANNELS_URL: z.string().default('http://localhost:8080'),
  /** Token sent to admin-api and the gateway. */
  CHANNELS_TOKEN: z.string().optional(),
  /** App the app-scoped commands act on. */
  CHANNELS_APP: z.string().optional(),
  /** HS256 secret for `token` and `token check` (the services' own variable). */
  JWT_SECRET: z.string().optional(),
  /** PEM public key for `token check` of RS256 tokens (the services' own variable). */
  JWT_PUBLIC_KEY: z.string().optional(),
});
export type CliEnv = z.output<typeof cliEnvSchema>;

/** Reads the CLI's variables from `env`; empty values count as unset. */
export function loadCliEnv(env: Record<string, string | undefined>): CliEnv {
  const present = Object.fromEntries(
    Object.keys(cliEnvSchema.shape)
      .map((k) => [k, env[k]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  return cliEnvSchema.parse(present);
}

/** A base URL from a flag or variable, refused with a usage error naming where it came from. */
export function baseUrl(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${from}: "${value}" is not a URL (e.g. http://localhost:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${from}: "${value}" must be an http:// or https:// URL`);
  }
  return url.toString().replace(/\/+$/, '');
}
