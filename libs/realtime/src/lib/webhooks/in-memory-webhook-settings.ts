import type { WebhookType } from '@channels/contracts';
import type { WebhookSettingsCache } from './webhook-settings.port';

/** In-process `WebhookSettingsCache` for unit tests (no caching: every read sees the last write). */
export class InMemoryWebhookSettings implements WebhookSettingsCache {
  private readonly types = new Map<string, ReadonlySet<WebhookType>>();
  invalidations = 0;

  async typesOf(appID: string): Promise<ReadonlySet<WebhookType>> {
    return this.types.get(appID) ?? new Set();
  }

  invalidate(): void {
    this.invalidations++;
  }

  async mirror(appID: string, types: readonly WebhookType[] | null): Promise<void> {
    if (types === null) this.types.delete(appID);
    else this.types.set(appID, new Set(types));
  }

  async mirrorAll(all: ReadonlyMap<string, readonly WebhookType[]>): Promise<void> {
    this.types.clear();
    for (const [appID, types] of all) this.types.set(appID, new Set(types));
  }
}
