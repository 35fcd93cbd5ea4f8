import { hostname } from 'node:os';
import { baseEnvSchema, databaseEnvSchema, envInt, jwtEnvSchema } from '@channels/bootstrap';
import { GATEWAY_STATS_MAX_INTERVAL_MS } from '@channels/contracts';
import { z } from 'zod';

/** Gateway settings (all from env; see .env.example). */
export const gatewayEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(jwtEnvSchema.shape)
  .extend({
    GATEWAY_PORT: envInt(3001, 1, 65535),
    /** Unique per replica; prefixes engine.io session ids so a front door can route polling requests. */
    GATEWAY_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 characters of [A-Za-z0-9_-]')
      .default(
        hostname()
          .replace(/[^A-Za-z0-9_-]/g, '-')
          .slice(0, 40) || 'gateway',
      ),
    PING_INTERVAL_MS: envInt(25_000, 1_000, 600_000),
    PING_TIMEOUT_MS: envInt(20_000, 1_000, 600_000),
    /** `/sse`: a comment line is sent on every stream this often (keeps idle streams open through proxies). */
    SSE_HEARTBEAT_MS: envInt(15_000, 100, 600_000),
    /** `/optimized`: WebSocket pings right away and then this often (the original: 54 s). */
    OPTIMIZED_PING_INTERVAL_MS: envInt(54_000, 100, 600_000),
    /** `/optimized`: a connection that answered no ping for this long is closed (the original: 60 s). */
    OPTIMIZED_PONG_WAIT_MS: envInt(60_000, 100, 600_000),
    /** Largest event payload (serialized JSON bytes). */
    MAX_PAYLOAD_BYTES: envInt(65_536, 16, 16 * 1_048_576),
    /** Largest socket.io frame; larger frames close the connection (protects memory). */
    MAX_FRAME_BYTES: envInt(1_048_576, 1_024, 64 * 1_048_576),
    /**
     * Publish rate limit per client on this gateway (one token bucket shared by all of the client's
     * connections here): sustained rate and burst.
     */
    PUBLISH_RATE_PER_SEC: envInt(100, 1, 1_000_000),
    PUBLISH_RATE_BURST: envInt(200, 1, 1_000_000),
    /** Most connections one client may hold at once, across every gateway. */
    MAX_CONNECTIONS_PER_CLIENT: envInt(100, 1, 1_000_000),
    /** Most connections one app may hold at once, across every gateway. */
    MAX_CONNECTIONS_PER_APP: envInt(100_000, 1, 100_000_000),
    /**
     * Longest a handshake waits for what it looks up (the app in Postgres, the connection counts in
     * Redis); past it the connection is refused with the retryable `unavailable`.
     */
    HANDSHAKE_TIMEOUT_MS: envInt(5_000, 100, 60_000),
    MAX_CHANNELS_PER_CONNECTION: envInt(256, 1, 100_000),
    /** A connection whose unsent outbound data exceeds this is disconnected (slow consumer). */
    MAX_OUTBOUND_BUFFER_BYTES: envInt(4 * 1_048_576, 16_384, 1_073_741_824),
    /** On SIGTERM, connections are closed in batches spread over this window. */
    DRAIN_WINDOW_MS: envInt(10_000, 0, 600_000),
    DRAIN_BATCH_SIZE: envInt(500, 1, 100_000),
    HOT_WINDOW_SIZE: envInt(1_000, 10, 1_000_000),
    /** Memory for the in-process copy of the hot windows history is served from, MiB (0: off). */
    HISTORY_MIRROR_MB: envInt(32, 0, 65_536),
    IDEMPOTENCY_TTL_SECONDS: envInt(600, 300, 604_800),
    /**
     * Most events a channel may hold that the writer has not committed yet; stored publishes beyond
     * it are refused with `unavailable` (nothing acked is ever dropped). Same value everywhere.
     */
    MAX_UNCOMMITTED_EVENTS: envInt(10_000, 100, 10_000_000),
    /** In "committed" ack mode, how long a publish waits for the writer's commit before `unavailable`. */
    COMMIT_ACK_TIMEOUT_MS: envInt(5_000, 100, 120_000),
    /** Backend hook calls to one app in flight at once from this process; beyond, they fail at once. */
    HOOK_MAX_IN_FLIGHT_PER_APP: envInt(64, 1, 10_000),
    /** How many events a recovering subscribe returns at most. */
    RECOVERY_MAX_EVENTS: envInt(10_000, 1, 1_000_000),
    /** How often presence leases and stats are refreshed. */
    PRESENCE_HEARTBEAT_MS: envInt(4_000, 200, 60_000),
    /** A gateway's presence entries expire this long after its last heartbeat (crash detection). */
    PRESENCE_LEASE_MS: envInt(12_000, 1_000, 600_000),
    /**
     * How often the connection statistics are published (each report states it: admin-api leaves
     * out a gateway after three missed reports) and the channelize gauges refreshed.
     */
    STATS_INTERVAL_MS: envInt(5_000, 500, GATEWAY_STATS_MAX_INTERVAL_MS),
    /**
     * How long a cached channel setting or membership is trusted before it is re-read in the
     * background. Every change drops the entry at once through a control message, and a control
     * subscription that reconnects drops them all; this only bounds a change that was never
     * announced (e.g. made in the database by hand).
     */
    DIRECTORY_REFRESH_MS: envInt(300_000, 1_000, 86_400_000),
    /**
     * A connection whose token carries `exp` is closed this long after it (clock skew and a late
     * `refresh` are tolerated), unless the client sent a fresh token with `refresh` before.
     */
    TOKEN_EXPIRY_LEEWAY_MS: envInt(5_000, 0, 600_000),
    /** How long before its token's `exp` a connection is sent `refresh_required`. */
    TOKEN_REFRESH_NOTICE_MS: envInt(30_000, 0, 3_600_000),
  });
export type GatewayConfig = z.output<typeof gatewayEnvSchema>;
