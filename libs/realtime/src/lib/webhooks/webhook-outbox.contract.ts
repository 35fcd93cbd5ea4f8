import type { UnsequencedWebhook, WebhookOutbox } from './webhook-outbox.port';

let n = 0;
const webhook = (appID: string, channelID: string | undefined, id: string): UnsequencedWebhook => ({
  id,
  appID,
  type: channelID ? 'channel_occupied' : 'member_added',
  ...(channelID ? { channelID } : {}),
  timestamp: 1_700_000_000_000,
  data: { n: id },
});
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/**
 * The behaviour every `WebhookOutbox` adapter must have: run with the in-memory adapter in unit
 * tests and the Redis one in integration tests.
 */
export function describeWebhookOutboxContract(name: string, make: () => Promise<WebhookOutbox>): void {
  describe(`WebhookOutbox contract: ${name}`, () => {
    let outbox: WebhookOutbox;
    let app: string;
    beforeEach(async () => {
      outbox = await make();
      app = `app-${name}-${++n}`;
    });

    it('numbers each chain on its own from 1 and says when an entry heads an empty chain', async () => {
      expect(await outbox.push(webhook(app, 'a', uuid(1)))).toEqual({ sequence: 1, head: true });
      expect(await outbox.push(webhook(app, 'a', uuid(2)))).toEqual({ sequence: 2, head: false });
      expect(await outbox.push(webhook(app, 'b', uuid(3)))).toEqual({ sequence: 1, head: true });
      expect(await outbox.push(webhook(app, undefined, uuid(4)))).toEqual({ sequence: 1, head: true });
      expect(await outbox.read({ appID: app, channelID: 'a' }, uuid(2))).toEqual({
        ...webhook(app, 'a', uuid(2)),
        sequence: 2,
      });
      expect(await outbox.read({ appID: app }, uuid(4))).toEqual({
        ...webhook(app, undefined, uuid(4)),
        sequence: 1,
      });
    });

    it('hands the chain on in sequence order; completing twice answers no head the second time', async () => {
      const chain = { appID: app, channelID: 'room' };
      for (let i = 1; i <= 3; i++) await outbox.push(webhook(app, 'room', uuid(i)));
      expect(await outbox.head(chain)).toBe(uuid(1));
      expect(await outbox.complete(chain, uuid(1))).toBe(uuid(2));
      expect(await outbox.complete(chain, uuid(1))).toBeNull();
      expect(await outbox.read(chain, uuid(1))).toBeNull();
      expect(await outbox.complete(chain, uuid(2))).toBe(uuid(3));
      expect(await outbox.complete(chain, uuid(3))).toBeNull();
      expect(await outbox.head(chain)).toBeNull();
      // Numbers go on after the chain emptied.
      expect(await outbox.push(webhook(app, 'room', uuid(4)))).toEqual({ sequence: 4, head: true });
    });

    it('lists chains by last change and forgets them only once empty and untouched', async () => {
      const chain = { appID: app, channelID: 'stale' };
      await outbox.push(webhook(app, 'stale', uuid(1)));
      const found = (await outbox.staleChains(Date.now() + 1_000, 1_000)).find(
        (c) => c.chain.appID === app && c.chain.channelID === 'stale',
      );
      expect(found).toBeDefined();
      const touchedAt = found?.touchedAt ?? 0;
      // Not empty: kept, and marked looked at.
      expect(await outbox.settleChain(chain, touchedAt, touchedAt + 5)).toBe(false);
      await outbox.complete(chain, uuid(1));
      // Looked at with an older time than its mark: someone else looked since, so it is kept.
      expect(await outbox.settleChain(chain, touchedAt, touchedAt + 6)).toBe(false);
      expect(await outbox.settleChain(chain, touchedAt + 5, touchedAt + 7)).toBe(true);
      const after = await outbox.staleChains(Date.now() + 1_000, 1_000);
      expect(after.some((c) => c.chain.appID === app && c.chain.channelID === 'stale')).toBe(false);
    });
  });
}
