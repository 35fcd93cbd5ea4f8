import { type WebhookBody, webhookChainTag } from '@channels/contracts';
import type { UnsequencedWebhook, WebhookChain, WebhookOutbox } from './webhook-outbox.port';

interface Chain {
  chain: WebhookChain;
  sequence: number;
  /** Pending entries in sequence order. */
  entries: WebhookBody[];
}

/** In-process `WebhookOutbox` for unit tests. */
export class InMemoryWebhookOutbox implements WebhookOutbox {
  private readonly chains = new Map<string, Chain>();
  /** Chain tag → unix ms of its last change (the sweeper's index). */
  private readonly index = new Map<string, number>();
  /** Tests: the clock the index uses. */
  now: () => number = () => Date.now();

  async push(webhook: UnsequencedWebhook): Promise<{ sequence: number; head: boolean }> {
    const c = this.chainOf(webhook);
    this.index.set(webhookChainTag(webhook.appID, webhook.channelID), this.now());
    const sequence = ++c.sequence;
    c.entries.push({ ...webhook, sequence });
    return { sequence, head: c.entries.length === 1 };
  }

  async read(chain: WebhookChain, deliveryID: string): Promise<WebhookBody | null> {
    const entry = this.chainOf(chain).entries.find((e) => e.id === deliveryID);
    return entry ? structuredClone(entry) : null;
  }

  async head(chain: WebhookChain): Promise<string | null> {
    return this.chainOf(chain).entries[0]?.id ?? null;
  }

  async complete(chain: WebhookChain, deliveryID: string): Promise<string | null> {
    const c = this.chainOf(chain);
    const at = c.entries.findIndex((e) => e.id === deliveryID);
    if (at < 0) return null;
    c.entries.splice(at, 1);
    return c.entries[0]?.id ?? null;
  }

  async staleChains(before: number, limit: number): Promise<{ chain: WebhookChain; touchedAt: number }[]> {
    return [...this.index]
      .filter(([, at]) => at <= before)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([tag, touchedAt]) => ({ chain: (this.chains.get(tag) as Chain).chain, touchedAt }));
  }

  async settleChain(chain: WebhookChain, touchedAt: number, now: number): Promise<boolean> {
    const tag = webhookChainTag(chain.appID, chain.channelID);
    const at = this.index.get(tag);
    if (at === undefined) return true;
    if (at !== touchedAt) return false;
    if (this.chainOf(chain).entries.length === 0) {
      this.index.delete(tag);
      return true;
    }
    this.index.set(tag, now);
    return false;
  }

  private chainOf(w: { appID: string; channelID?: string }): Chain {
    const tag = webhookChainTag(w.appID, w.channelID);
    let c = this.chains.get(tag);
    if (!c) {
      const chain =
        w.channelID === undefined ? { appID: w.appID } : { appID: w.appID, channelID: w.channelID };
      this.chains.set(tag, (c = { chain, sequence: 0, entries: [] }));
    }
    return c;
  }
}
