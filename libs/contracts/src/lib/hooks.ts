import { z } from 'zod';
import { channelIdSchema } from './validation';

/**
 * Backend hooks (protocol §5.4): the app's backend decides, synchronously, whether a client may
 * connect, subscribe or publish — and may replace a published payload or add channels at connect.
 */
export const HOOK_TYPES = ['connect', 'subscribe', 'publish'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export type HookFailurePolicy = 'deny' | 'allow';

/** Where and how one app (or one namespace of it) calls its backend. */
export interface HooksConfig {
  connect?: { url: string };
  subscribe?: { url: string };
  publish?: { url: string };
  /** How long a call may take before it counts as failed (default 2000 ms). */
  timeoutMs?: number;
  /** What a failed call (timeout, error, non-200, garbage) answers (default "deny"). */
  onFailure?: HookFailurePolicy;
}

export const HOOK_TIMEOUT_DEFAULT_MS = 2_000;
export const HOOK_TIMEOUT_MAX_MS = 30_000;

/** The JSON body Channels POSTs to a hook (fields absent where they do not apply). */
export interface HookRequest {
  hook: HookType;
  appID: string;
  clientID: string;
  deviceID?: string;
  connectionID?: string;
  transport?: string;
  channelID?: string;
  eventType?: string;
  payload?: unknown;
  id?: string;
}

/** What a backend answers (200, JSON). Anything else is a failed call. */
export const hookAnswerSchema = z.object({
  allow: z.boolean(),
  reason: z.string().max(500).optional(),
  /** `publish`: the payload to publish instead. */
  payload: z.unknown().optional(),
  /** `connect`: channels to subscribe the connection to. */
  channels: z.array(channelIdSchema).max(256).optional(),
});
export type HookAnswer = z.infer<typeof hookAnswerSchema>;
