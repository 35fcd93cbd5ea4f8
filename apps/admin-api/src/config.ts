import { baseEnvSchema, databaseEnvSchema, envInt, jwtEnvSchema } from '@channels/bootstrap';
import type { z } from 'zod';

/** admin-api settings (all from env; see .env.example). */
export const adminApiEnvSchema = baseEnvSchema.extend(databaseEnvSchema.shape).extend(jwtEnvSchema.shape).extend({
  ADMIN_API_PORT: envInt(3000, 1, 65535),
  /** Largest accepted JSON body. */
  ADMIN_API_BODY_LIMIT_BYTES: envInt(1_048_576, 1024, 64 * 1_048_576),
  /** Largest event payload (serialized JSON), same limit as the gateway's. */
  MAX_PAYLOAD_BYTES: envInt(65_536, 16, 16 * 1_048_576),
});
export type AdminApiConfig = z.output<typeof adminApiEnvSchema>;
