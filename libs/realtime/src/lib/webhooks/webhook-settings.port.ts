import type { WebhookType } from '@channels/contracts';

/** Injection token of the `WebhookSettingsCache`. */
export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');

/**
 * Which webhook types each app wants, as producers see it: a copy of the settings in Postgres,
 * cached in memory. `invalidate` drops an app's cached copy (on `webhooks_updated`); entries also
 * expire on their own, so a missed invalidation heals.
 */
export interface WebhookSettingsCache {
  typesOf(appID: string): Promise<ReadonlySet<WebhookType>>;
  invalidate(appID?: string): void;
  /** Writes the app's types to the shared copy (null: webhooks off). */
  mirror(appID: string, types: readonly WebhookType[] | null): Promise<void>;
  /** Replaces the whole shared copy with `all` (the webhooks service's periodic re-sync). */
  mirrorAll(all: ReadonlyMap<string, readonly WebhookType[]>): Promise<void>;
}
