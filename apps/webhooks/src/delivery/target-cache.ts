import type { WebhookTarget } from '@channels/db';

/**
 * Each app's URL and signing key as the worker last read them from Postgres, trusted for `ttlMs`
 * (and dropped at once on `webhooks_updated`), so a busy app costs one read per period, not one per
 * delivery. A rotated API secret signs from the next read on.
 */
export class TargetCache {
  private readonly entries = new Map<string, { target: WebhookTarget | null; until: number }>();

  constructor(
    private readonly load: (appID: string) => Promise<WebhookTarget | null>,
    private readonly ttlMs: number,
  ) {}

  async get(appID: string): Promise<WebhookTarget | null> {
    const hit = this.entries.get(appID);
    if (hit && hit.until > Date.now()) return hit.target;
    const target = await this.load(appID);
    this.entries.set(appID, { target, until: Date.now() + this.ttlMs });
    return target;
  }

  invalidate(appID?: string): void {
    if (appID === undefined) this.entries.clear();
    else this.entries.delete(appID);
  }
}
