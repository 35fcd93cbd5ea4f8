import { hostname } from 'node:os';
import { baseEnvSchema, envInt } from '@channels/bootstrap';
import { z } from 'zod';

/** Presence service settings (all from env; see .env.example). */
export const presenceEnvSchema = baseEnvSchema.extend({
  PRESENCE_PORT: envInt(3200, 1, 65535),
  /** Names this replica in logs and metrics (any number of replicas may run at once). */
  PRESENCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,60}$/, 'must be 1-60 characters of [A-Za-z0-9_.-]')
    .default(
      hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .slice(0, 60) || 'presence',
    ),
  /** Offline is announced once a client has had no connection in a channel for this long. */
  PRESENCE_GRACE_MS: envInt(15_000, 0, 3_600_000),
  /**
   * How long a replica holds work it claimed. A replica that dies delays its claimed work by at
   * most this much; it must exceed the time one batch takes.
   */
  PRESENCE_CLAIM_MS: envInt(5_000, 200, 600_000),
  /** Longest wait between two looks at the due evaluations (bounds the online announcement delay). */
  PRESENCE_POLL_MS: envInt(100, 5, 60_000),
  /** How often expired gateway leases are looked for (adds to the crash detection time). */
  PRESENCE_REAP_INTERVAL_MS: envInt(1_000, 50, 60_000),
  /** Evaluations per claim, and connections removed per cleanup step. */
  PRESENCE_BATCH_SIZE: envInt(500, 1, 10_000),
  /** Recently-offline clients kept per channel for snapshots, and for how long. */
  PRESENCE_OFFLINE_KEEP: envInt(1_000, 0, 100_000),
  PRESENCE_OFFLINE_RETENTION_MS: envInt(86_400_000, 1_000, 30 * 86_400_000),
  /** How often the cluster-wide gauges (online clients, presence channels) are recomputed. */
  PRESENCE_STATS_INTERVAL_MS: envInt(15_000, 1_000, 3_600_000),
});
export type PresenceConfig = z.output<typeof presenceEnvSchema>;
