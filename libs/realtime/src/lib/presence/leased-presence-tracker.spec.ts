import { InMemoryPresenceState, InMemoryPresenceStore, InMemoryPresenceTracker } from './in-memory-presence';
import type { PresenceConnection } from './presence-tracker.port';

/** A tracker whose store calls fail while `down` is set (a store outage seen from a gateway). */
class FlakyTracker extends InMemoryPresenceTracker {
  down = false;
  protected override async recordLeave(lease: string, c: PresenceConnection): Promise<void> {
    if (this.down) throw new Error('store unreachable');
    return super.recordLeave(lease, c);
  }
  protected override async recordJoin(lease: string, c: PresenceConnection): Promise<void> {
    await super.recordJoin(lease, c);
    // The write landed but its reply was lost.
    if (this.down) throw new Error('store unreachable');
  }
}

describe('gateway-side lease tracker', () => {
  const conn = (clientID: string, connectionID: string): PresenceConnection => ({
    appID: 'app',
    channelID: 'room',
    clientID,
    connectionID,
    gatewayID: 'gw-1',
  });
  const rules = { graceMs: 0, offlineKeep: 10, offlineRetentionMs: 60_000 };
  let now = 1_700_000_000_000;
  const state = new InMemoryPresenceState({ now: () => now });
  const store = new InMemoryPresenceStore(state);
  const settle = async () => {
    for (let items = await store.claimDue(100, 1000); items.length; items = await store.claimDue(100, 1000)) {
      await store.settle(items, rules);
    }
  };

  it('retries at the next heartbeat the leaves a store outage swallowed, so no ghost stays online', async () => {
    const tracker = new FlakyTracker(state, { leaseMs: 10_000 });
    await tracker.join(conn('alice', 'a1'));
    await settle();
    expect(await tracker.onlineCount('app', 'room')).toBe(1);

    tracker.down = true;
    await expect(tracker.leave(conn('alice', 'a1'))).rejects.toThrow('unreachable');
    await expect(tracker.join(conn('bob', 'b1'))).rejects.toThrow('unreachable');
    tracker.down = false;
    now += 1_000;
    await tracker.heartbeat('gw-1');
    await settle();

    expect(await tracker.onlineCount('app', 'room')).toBe(0);
    expect(Object.values(await tracker.snapshot('app', 'room')).map((s) => s.status)).toEqual([false]);
  });

  it('keeps a connection that joined again after its leave failed', async () => {
    const tracker = new FlakyTracker(state, { leaseMs: 10_000 });
    await tracker.join(conn('carol', 'c1'));
    tracker.down = true;
    await expect(tracker.leave(conn('carol', 'c1'))).rejects.toThrow('unreachable');
    tracker.down = false;
    await tracker.join(conn('carol', 'c1'));
    now += 1_000;
    await tracker.heartbeat('gw-1');
    await settle();

    expect((await tracker.snapshot('app', 'room'))['carol']?.status).toBe(true);
  });
});
