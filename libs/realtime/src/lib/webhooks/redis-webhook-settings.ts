import { type RedisKeys, WEBHOOK_TYPES, type WebhookType } from '@channels/contracts';
import type Redis from 'ioredis';
import type { WebhookSettingsCache } from './webhook-settings.port';

const NONE: ReadonlySet<WebhookType> = new Set();
const KNOWN = new Set<string>(WEBHOOK_TYPES);

/**
 * `WebhookSettingsCache` over one Redis hash appID → JSON types (a copy of Postgres: admin-api
 * writes it on each change, the webhooks service re-writes it whole periodically). Each process
 * caches what it read for `ttlMs`; `invalidate` (on `webhooks_updated`) makes the next read fresh.
 */
export class RedisWebhookSettings implements WebhookSettingsCache {
  private readonly cache = new Map<string, { types: ReadonlySet<WebhookType>; until: number }>();
  private readonly loading = new Map<string, Promise<ReadonlySet<WebhookType>>>();
  private generation = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs = 10_000,
  ) {}

  async typesOf(appID: string): Promise<ReadonlySet<WebhookType>> {
    const hit = this.cache.get(appID);
    if (hit && hit.until > Date.now()) return hit.types;
    let load = this.loading.get(appID);
    if (!load) {
      const generation = this.generation;
      load = this.redis
        .hget(this.keys.webhookSettings(), appID)
        .then((text) => {
          const types = parseTypes(text);
          // An invalidation while reading: this answer may predate it, so it is not kept.
          if (generation === this.generation)
            this.cache.set(appID, { types, until: Date.now() + this.ttlMs });
          return types;
        })
        .finally(() => this.loading.delete(appID));
      this.loading.set(appID, load);
    }
    return load;
  }

  invalidate(appID?: string): void {
    this.generation++;
    if (appID === undefined) this.cache.clear();
    else this.cache.delete(appID);
  }

  async mirror(appID: string, types: readonly WebhookType[] | null): Promise<void> {
    if (types === null) await this.redis.hdel(this.keys.webhookSettings(), appID);
    else await this.redis.hset(this.keys.webhookSettings(), appID, JSON.stringify(types));
    this.invalidate(appID);
  }

  async mirrorAll(all: ReadonlyMap<string, readonly WebhookType[]>): Promise<void> {
    const key = this.keys.webhookSettings();
    const present = await this.redis.hkeys(key);
    const gone = present.filter((appID) => !all.has(appID));
    const pipeline = this.redis.pipeline();
    if (gone.length) pipeline.hdel(key, ...gone);
    for (const [appID, types] of all) pipeline.hset(key, appID, JSON.stringify(types));
    await pipeline.exec();
    this.invalidate();
  }
}

function parseTypes(text: string | null): ReadonlySet<WebhookType> {
  if (!text) return NONE;
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) ? new Set(list.filter((t): t is WebhookType => KNOWN.has(t as string))) : NONE;
  } catch {
    return NONE;
  }
}
