import { join } from 'node:path';
import { baseEnvSchema, databaseEnvSchema, envInt, jwtEnvSchema } from '@channels/bootstrap';
import { z } from 'zod';

/** The built dashboard next to this bundle: dist/apps/dashboard beside dist/apps/admin-api. */
const DEFAULT_DASHBOARD_DIR = join(__dirname, '..', 'dashboard');

/** admin-api settings (all from env; see .env.example). */
export const adminApiEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(jwtEnvSchema.shape)
  .extend({
    ADMIN_API_PORT: envInt(3000, 1, 65535),
    /** Largest accepted JSON body; larger bodies answer 413. */
    ADMIN_API_BODY_LIMIT_BYTES: envInt(1_048_576, 1024, 64 * 1_048_576),
    /** Largest event payload (serialized JSON), same limit as the gateway's. */
    MAX_PAYLOAD_BYTES: envInt(65_536, 16, 16 * 1_048_576),
    /** Events kept per channel in the Redis hot window (same value as the gateways'). */
    HOT_WINDOW_SIZE: envInt(1000, 10, 1_000_000),
    /** Memory for the in-process copy of the hot windows history is served from, MiB (0: off). */
    HISTORY_MIRROR_MB: envInt(64, 0, 65_536),
    /** Idempotency window for publisher ids (same value as the gateways'). */
    IDEMPOTENCY_TTL_SECONDS: envInt(600, 300, 7 * 86_400),
    /** Most events a channel may hold that the writer has not committed yet (same value as the gateways'). */
    MAX_UNCOMMITTED_EVENTS: envInt(10_000, 100, 10_000_000),
    /** In "committed" ack mode, how long a publish waits for the writer's commit before `unavailable`. */
    COMMIT_ACK_TIMEOUT_MS: envInt(5_000, 100, 120_000),
    /** Backend hook calls to one app in flight at once from this process; beyond, they fail at once. */
    HOOK_MAX_IN_FLIGHT_PER_APP: envInt(64, 1, 10_000),
    /** How long channel settings are cached in-process on the publish path (control messages invalidate). */
    DIRECTORY_CACHE_MS: envInt(5_000, 0, 600_000),
    /** Most events one original-product history route answers (`/c/{id}/sync/{ts}` is otherwise unbounded). */
    ORIGINAL_MAX_EVENTS: envInt(10_000, 1, 1_000_000),
    /**
     * Request rate limits, shared by every admin-api replica (counted in Redis): requests per token
     * (per identity: role, app and client of the token) and per app, within a window of
     * `ADMIN_RATE_LIMIT_WINDOW_SECONDS`. A batch counts one request per command.
     */
    ADMIN_RATE_LIMIT_PER_TOKEN: envInt(60_000, 1, 1_000_000_000),
    ADMIN_RATE_LIMIT_PER_APP: envInt(120_000, 1, 1_000_000_000),
    ADMIN_RATE_LIMIT_WINDOW_SECONDS: envInt(60, 1, 86_400),
    /** Publishes per second one client may make over HTTP with a client token (every replica together). */
    CLIENT_PUBLISH_RATE_PER_SEC: envInt(100, 1, 1_000_000),
    /**
     * Longest a request waits for its rate-limit count in Redis; past it (or with Redis down) this
     * replica counts in memory alone until Redis answers again.
     */
    ADMIN_RATE_LIMIT_TIMEOUT_MS: envInt(250, 10, 10_000),
    /** CORS: `*` (any origin) or a comma-separated list of allowed origins. */
    CORS_ORIGINS: z.string().default('*'),
    /** The built dashboard served at `/dashboard/` (its index.html and assets/). */
    DASHBOARD_DIR: z.string().min(1, 'must not be empty').default(DEFAULT_DASHBOARD_DIR),
    /**
     * Where the dashboard's live views reach the gateways (socket.io); empty: the page's own origin,
     * right when admin-api is reached through the deployment's one address.
     */
    DASHBOARD_GATEWAY_URL: z
      .string()
      .default('')
      .refine((v) => v === '' || /^https?:\/\/[^\s/]+/.test(v), 'must be an http(s) URL or empty'),
  });
export type AdminApiConfig = z.output<typeof adminApiEnvSchema>;

/** Injection token of the validated `AdminApiConfig`. */
export const ADMIN_API_CONFIG = Symbol('ADMIN_API_CONFIG');
