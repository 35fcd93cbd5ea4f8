import type { WebhookBody } from '@channels/contracts';

/** Injection token of the `WebhookOutbox`. */
export const WEBHOOK_OUTBOX = Symbol('WEBHOOK_OUTBOX');

/** A delivery chain: a channel's webhooks, or (no `channelID`) the app's own. */
export interface WebhookChain {
  appID: string;
  channelID?: string;
}

/** A webhook before it has its place in its chain. */
export type UnsequencedWebhook = Omit<WebhookBody, 'sequence'>;

/**
 * The webhooks not yet delivered nor given up on, one ordered chain per channel (per app for
 * webhooks without a channel). Only a chain's head is being sent at any time: the next one goes
 * once the head is `complete`d (delivered, or failed for good), so a receiver gets a channel's
 * webhooks in `sequence` order.
 *
 * - `push` assigns the next `sequence` of the chain and appends, atomically: a sequence number is
 *   never given twice, and a webhook that got one is in the chain.
 * - Entries stay until completed, whatever happens to the processes sending them, so nothing is
 *   dropped; a chain whose head nobody is sending is found by `staleChains`.
 */
export interface WebhookOutbox {
  /** Appends; `head` is true when the chain was empty (the caller has the new head sent). */
  push(webhook: UnsequencedWebhook): Promise<{ sequence: number; head: boolean }>;
  /** The chain's entry, or null when it is not (or no longer) in the chain. */
  read(chain: WebhookChain, deliveryID: string): Promise<WebhookBody | null>;
  /** The id of the chain's head, or null when the chain is empty. */
  head(chain: WebhookChain): Promise<string | null>;
  /**
   * Removes a finished entry; answers the new head to send, or null (the chain is empty, or the
   * entry was already removed: whoever removed it had the next one sent).
   */
  complete(chain: WebhookChain, deliveryID: string): Promise<string | null>;
  /** Chains unchanged since `before` (unix ms), oldest first, at most `limit`. */
  staleChains(before: number, limit: number): Promise<{ chain: WebhookChain; touchedAt: number }[]>;
  /**
   * After a look at a stale chain: forgets it when it is empty and unchanged since `touchedAt`,
   * else marks it looked at now. True when it was forgotten.
   */
  settleChain(chain: WebhookChain, touchedAt: number, now: number): Promise<boolean>;
}
