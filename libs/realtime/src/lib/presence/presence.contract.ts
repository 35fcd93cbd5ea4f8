import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { channelRoom, clientRoom } from '@channels/contracts';
import type { OnlineStatusBroadcast } from './presence-codec';
import type { PresenceRules, PresenceStore, PresenceTransition } from './presence-store.port';
import type { PresenceConnection, PresenceTracker } from './presence-tracker.port';

/** Durations the contract runs with (short; the Redis run waits for real). */
export interface ContractTiming {
  leaseMs: number;
  graceMs: number;
  claimMs: number;
  /** Extra wait past a deadline before checking it passed. */
  marginMs: number;
}

/** One isolated presence store (a fresh in-memory state, or a fresh Redis key prefix). */
export interface PresenceHarness {
  /** The tracker of a new gateway process. */
  tracker(): PresenceTracker;
  /** The store of a new presence replica. */
  store(): PresenceStore;
  /** Starts recording the broadcasts sent to a channel's room. */
  watch(appID: string, channelID: string): Promise<void>;
  /** Broadcasts recorded for the channel so far (every one published before this call). */
  announcements(appID: string, channelID: string): Promise<OnlineStatusBroadcast[]>;
  /** Lets store time pass. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

const APP = 'app-1';
const CH = 'room';

/**
 * The behaviour every presence store adapter (tracker + service side) must show. Run against the
 * in-memory adapter in unit tests and the Redis adapter in integration tests.
 */
export function describePresenceTrackerContract(
  name: string,
  make: (timing: ContractTiming) => Promise<PresenceHarness>,
  timing: ContractTiming,
): void {
  describe(`presence tracker + store contract: ${name}`, () => {
    const rules: PresenceRules = { graceMs: timing.graceMs, offlineKeep: 100, offlineRetentionMs: 60_000 };
    let h: PresenceHarness;
    let gw: PresenceTracker;
    let replica: PresenceStore;

    const conn = (
      clientID: string,
      connectionID: string,
      gatewayID = 'gw-1',
      channelID = CH,
      appID = APP,
    ): PresenceConnection => ({
      appID,
      channelID,
      clientID,
      connectionID,
      gatewayID,
    });

    /** Evaluates everything due now, as a presence replica's loop does. */
    const settle = async (store: PresenceStore = replica): Promise<PresenceTransition[]> => {
      const out: PresenceTransition[] = [];
      for (;;) {
        const items = await store.claimDue(100, timing.claimMs);
        if (items.length === 0) return out;
        out.push(...(await store.settle(items, rules)).transitions);
      }
    };

    /** Cleans up every expired lease, as a presence replica's reaper does. */
    const reapAll = async (store: PresenceStore = replica): Promise<string[]> => {
      const gateways: string[] = [];
      for (const lease of await store.claimExpiredLeases(100, timing.claimMs)) {
        gateways.push(lease.gatewayID);
        for (
          let r = await store.reap(lease, 2, timing.claimMs);
          !r.done;
          r = await store.reap(lease, 2, timing.claimMs)
        );
      }
      return gateways;
    };

    const statuses = async (appID = APP, channelID = CH) =>
      (await h.announcements(appID, channelID)).map((a) => `${a.payload.clientID}:${a.payload.status}`);

    /** Lets `ms` pass while the given trackers keep heartbeating (steps shorter than a lease). */
    const elapseBeating = async (ms: number, beating: [PresenceTracker, string][]) => {
      const step = Math.floor(timing.leaseMs / 3);
      for (let done = 0; done < ms; done += step) {
        await h.elapse(Math.min(step, ms - done));
        for (const [t, id] of beating) await t.heartbeat(id);
      }
    };

    beforeEach(async () => {
      h = await make(timing);
      gw = h.tracker();
      replica = h.store();
      await h.watch(APP, CH);
    });

    afterEach(async () => {
      await h.close();
    });

    it('announces a client online once, to the channel except its own connections, when its first connection joins', async () => {
      await gw.join(conn('alice', 'a1'));
      const transitions = await settle();

      expect(transitions).toEqual([
        expect.objectContaining({ appID: APP, channelID: CH, clientID: 'alice', status: true }),
      ]);
      const [a] = await h.announcements(APP, CH);
      expect(a).toEqual({
        rooms: [channelRoom(APP, CH)],
        except: [clientRoom(APP, 'alice')],
        event: 'online_status',
        payload: { channelID: CH, clientID: 'alice', status: true, timestamp: transitions[0].timestamp },
      });
      expect(await gw.snapshot(APP, CH)).toEqual({
        alice: { status: true, timestamp: transitions[0].timestamp },
      });
      expect(await gw.onlineCount(APP, CH)).toBe(1);

      await gw.join(conn('alice', 'a2', 'gw-2'));
      await settle();
      await settle();
      expect(await statuses()).toEqual(['alice:true']);
    });

    it('keeps a client online while any of its connections remains, and announces offline once after the grace period', async () => {
      await gw.join(conn('alice', 'a1'));
      await gw.join(conn('alice', 'a2'));
      const [online] = await settle();

      await gw.leave(conn('alice', 'a1'));
      expect(await settle()).toEqual([]);
      await gw.leave(conn('alice', 'a2'));
      expect(await settle()).toEqual([]);
      expect((await gw.snapshot(APP, CH))['alice']?.status).toBe(true);

      await h.elapse(timing.graceMs + timing.marginMs);
      const [offline] = await settle();

      expect(offline).toEqual(expect.objectContaining({ clientID: 'alice', status: false }));
      expect(offline.timestamp).toBeGreaterThanOrEqual(online.timestamp + timing.graceMs);
      expect(await statuses()).toEqual(['alice:true', 'alice:false']);
      expect(await gw.snapshot(APP, CH)).toEqual({ alice: { status: false, timestamp: offline.timestamp } });
      expect(await gw.onlineCount(APP, CH)).toBe(0);
      expect(await settle()).toEqual([]);
    });

    it('announces nothing when a client reconnects within the grace period', async () => {
      await gw.join(conn('alice', 'a1'));
      await settle();
      await gw.leave(conn('alice', 'a1'));
      await settle();
      await h.elapse(Math.floor(timing.graceMs / 3));
      await gw.join(conn('alice', 'a3', 'gw-2'));
      await settle();
      await h.elapse(timing.graceMs + timing.marginMs);
      await settle();

      expect(await statuses()).toEqual(['alice:true']);
      expect((await gw.snapshot(APP, CH))['alice']?.status).toBe(true);
    });

    it('forgets a channel whose presence was turned off without announcing anyone offline', async () => {
      await gw.join(conn('alice', 'a1'));
      await gw.join(conn('bob', 'b1', 'gw-2'));
      await settle();
      // One gateway has left its connection before the channel is forgotten, the other only after.
      await gw.leave(conn('alice', 'a1'));
      await settle();
      await gw.forgetChannel(APP, CH);
      expect(await gw.snapshot(APP, CH)).toEqual({});
      expect(await gw.onlineCount(APP, CH)).toBe(0);
      await gw.leave(conn('bob', 'b1', 'gw-2'));
      await h.elapse(timing.graceMs + timing.marginMs);
      expect(await settle()).toEqual([]);
      expect(await statuses()).toEqual(['alice:true', 'bob:true']);
      expect(await gw.snapshot(APP, CH)).toEqual({});

      // Turned on again: whoever joins now is announced afresh.
      await gw.join(conn('bob', 'b2', 'gw-2'));
      await settle();
      expect(await statuses()).toEqual(['alice:true', 'bob:true', 'bob:true']);
      expect(Object.keys(await gw.snapshot(APP, CH))).toEqual(['bob']);
    });

    it('counts the grace period from the last connection to end', async () => {
      await gw.join(conn('alice', 'a1'));
      await gw.join(conn('alice', 'a2'));
      await settle();
      await gw.leave(conn('alice', 'a1'));
      await h.elapse(Math.floor(timing.graceMs * 0.7));
      await gw.leave(conn('alice', 'a2'));
      await h.elapse(Math.floor(timing.graceMs * 0.7));
      await settle();
      expect(await statuses()).toEqual(['alice:true']);

      await h.elapse(Math.floor(timing.graceMs * 0.3) + timing.marginMs);
      await settle();
      expect(await statuses()).toEqual(['alice:true', 'alice:false']);
    });

    it('ignores repeated joins and leaves and leaves of unknown connections', async () => {
      await gw.join(conn('alice', 'a1'));
      await gw.join(conn('alice', 'a1'));
      await gw.leave(conn('bob', 'b1'));
      await settle();
      await gw.leave(conn('alice', 'a1'));
      await h.elapse(timing.graceMs + timing.marginMs);
      await settle();
      await gw.leave(conn('alice', 'a1'));
      await settle();

      expect(await statuses()).toEqual(['alice:true', 'alice:false']);
      expect(await gw.onlineCount(APP, CH)).toBe(0);
    });

    it('tells subscribers of every presence channel of a client, each once', async () => {
      await h.watch(APP, 'other');
      await gw.join(conn('alice', 'a1', 'gw-1', CH));
      await gw.join(conn('alice', 'a1', 'gw-1', 'other'));
      await settle();

      expect(await statuses(APP, CH)).toEqual(['alice:true']);
      expect(await statuses(APP, 'other')).toEqual(['alice:true']);
    });

    it('counts the connections of a gateway that stops heartbeating as gone from its last heartbeat', async () => {
      const dying = h.tracker();
      await dying.join(conn('alice', 'a1', 'gw-dead'));
      await gw.join(conn('bob', 'b1', 'gw-live'));
      await settle();

      await elapseBeating(timing.leaseMs + timing.marginMs, [[gw, 'gw-live']]);
      expect(await reapAll()).toEqual(['gw-dead']);
      await elapseBeating(timing.graceMs + timing.marginMs, [[gw, 'gw-live']]);
      const transitions = await settle();

      expect(transitions).toEqual([expect.objectContaining({ clientID: 'alice', status: false })]);
      expect(await statuses()).toEqual(expect.arrayContaining(['alice:true', 'bob:true', 'alice:false']));
      expect(await statuses()).toHaveLength(3);
      const snap = await gw.snapshot(APP, CH);
      expect(snap['alice']?.status).toBe(false);
      expect(snap['bob']?.status).toBe(true);
    });

    it('announces nothing for a crashed gateway whose clients reconnect elsewhere within the grace period', async () => {
      const dying = h.tracker();
      await dying.join(conn('alice', 'a1', 'gw-dead'));
      await settle();
      await elapseBeating(timing.leaseMs + timing.marginMs, [[gw, 'gw-live']]);
      await gw.join(conn('alice', 'a2', 'gw-live'));
      await reapAll();
      await elapseBeating(timing.graceMs + timing.marginMs, [[gw, 'gw-live']]);
      await settle();

      expect(await statuses()).toEqual(['alice:true']);
    });

    it('keeps the connections of a heartbeating gateway alive for longer than a lease', async () => {
      await gw.join(conn('alice', 'a1', 'gw-1'));
      await settle();
      await elapseBeating(timing.leaseMs * 3, [[gw, 'gw-1']]);

      expect(await reapAll()).toEqual([]);
      await settle();
      expect(await statuses()).toEqual(['alice:true']);
    });

    it('does not let a gateway restarted under the same id keep its previous connections alive', async () => {
      const before = h.tracker();
      await before.join(conn('alice', 'a1', 'gw-x'));
      const after = h.tracker();
      await after.join(conn('bob', 'b1', 'gw-x'));
      await settle();

      await elapseBeating(timing.leaseMs + timing.marginMs, [[after, 'gw-x']]);
      expect(await reapAll()).toEqual(['gw-x']);
      await elapseBeating(timing.graceMs + timing.marginMs, [[after, 'gw-x']]);
      await settle();

      const snap = await after.snapshot(APP, CH);
      expect(snap['alice']?.status).toBe(false);
      expect(snap['bob']?.status).toBe(true);
    });

    it('files the connections of a gateway cut off for longer than its lease again at its next heartbeat', async () => {
      await gw.join(conn('alice', 'a1', 'gw-cut'));
      await settle();
      await h.elapse(timing.leaseMs + timing.marginMs);
      expect(await reapAll()).toEqual(['gw-cut']);

      await gw.heartbeat('gw-cut');
      await settle();
      expect(await statuses()).toEqual(['alice:true']);

      // The connection now lives under the new lease: it survives heartbeats and leaves normally.
      await elapseBeating(timing.leaseMs * 2, [[gw, 'gw-cut']]);
      expect(await reapAll()).toEqual([]);
      await gw.leave(conn('alice', 'a1', 'gw-cut'));
      await h.elapse(timing.graceMs + timing.marginMs);
      await settle();
      expect(await statuses()).toEqual(['alice:true', 'alice:false']);
    });

    it('re-registers the connections a heartbeat lists when the lease was lost', async () => {
      await gw.join(conn('alice', 'a1', 'gw-cut'));
      await gw.join(conn('bob', 'b1', 'gw-cut'));
      await settle();
      await h.elapse(timing.leaseMs + timing.marginMs);
      await reapAll();

      await gw.heartbeat('gw-cut', [conn('alice', 'a1', 'gw-cut')]);
      await h.elapse(timing.graceMs + timing.marginMs);
      await settle();

      const snap = await gw.snapshot(APP, CH);
      expect(snap['alice']?.status).toBe(true);
      expect(snap['bob']?.status).toBe(false);
    });

    it('announces each transition once when two replicas work at the same time', async () => {
      const other = h.store();
      const clients = Array.from({ length: 30 }, (_, i) => `c${i}`);
      await Promise.all(clients.map((c) => gw.join(conn(c, `${c}-1`))));
      const [x, y] = await Promise.all([settle(replica), settle(other)]);
      await Promise.all(clients.map((c) => gw.leave(conn(c, `${c}-1`))));
      await h.elapse(timing.graceMs + timing.marginMs);
      const [z, w] = await Promise.all([settle(replica), settle(other)]);

      expect([...x, ...y].map((t) => t.clientID).sort()).toEqual([...clients].sort());
      expect([...z, ...w].filter((t) => !t.status)).toHaveLength(clients.length);
      const all = await statuses();
      expect(all).toHaveLength(clients.length * 2);
      expect(new Set(all).size).toBe(clients.length * 2);
    });

    it('lets another replica take over work claimed by a replica that died', async () => {
      const dead = h.store();
      await gw.join(conn('alice', 'a1'));
      expect((await dead.claimDue(100, timing.claimMs)).map((d) => d.clientID)).toEqual(['alice']);

      expect(await settle()).toEqual([]);
      await h.elapse(timing.claimMs + timing.marginMs);
      expect(await settle()).toEqual([expect.objectContaining({ clientID: 'alice', status: true })]);
      expect(await statuses()).toEqual(['alice:true']);
    });

    it('lets another replica take over the cleanup of a lease abandoned mid-way', async () => {
      const dying = h.tracker();
      for (let i = 0; i < 5; i++) await dying.join(conn(`c${i}`, `c${i}-1`, 'gw-dead'));
      await settle();
      await h.elapse(timing.leaseMs + timing.marginMs);
      const dead = h.store();
      const [claimed] = await dead.claimExpiredLeases(10, timing.claimMs);
      expect(claimed).toEqual(expect.objectContaining({ gatewayID: 'gw-dead' }));
      expect((await dead.reap(claimed, 2, timing.claimMs)).done).toBe(false);

      expect(await replica.claimExpiredLeases(10, timing.claimMs)).toEqual([]);
      await h.elapse(timing.claimMs + timing.marginMs);
      const [takeover] = await replica.claimExpiredLeases(10, timing.claimMs);
      expect(takeover).toEqual(expect.objectContaining({ gatewayID: 'gw-dead', expiredAt: null }));
      let r = await replica.reap(takeover, 2, timing.claimMs);
      while (!r.done) r = await replica.reap(takeover, 2, timing.claimMs);
      await h.elapse(timing.graceMs + timing.marginMs);
      await settle();

      expect((await statuses()).filter((s) => s.endsWith(':false'))).toHaveLength(5);
      expect(await gw.onlineCount(APP, CH)).toBe(0);
      expect(await replica.claimExpiredLeases(10, timing.claimMs)).toEqual([]);
    });

    it('serves the snapshot from the shared store to a gateway that never saw the channel', async () => {
      await gw.join(conn('alice', 'a1', 'gw-1'));
      await settle();
      const stranger = h.tracker();
      expect(Object.keys(await stranger.snapshot(APP, CH))).toEqual(['alice']);
      expect(await stranger.snapshot(APP, 'empty')).toEqual({});
    });

    it("lists the channel's connections with their clients, at once and without the dead gateway's", async () => {
      const byConnection = async (t: PresenceTracker = gw, channelID = CH, appID = APP) =>
        Object.fromEntries((await t.connections(appID, channelID)).map((m) => [m.connectionID, m.clientID]));
      expect(await gw.connections(APP, CH)).toEqual([]);
      const dying = h.tracker();
      await gw.join(conn('alice', 'a1', 'gw-1'));
      await gw.join(conn('alice', 'a2', 'gw-1'));
      await gw.join(conn('bob', 'b1', 'gw-1'));
      await dying.join(conn('carol', 'c1', 'gw-dead'));
      await gw.join(conn('dave', 'd1', 'gw-1', 'other'));
      await h.watch('app-2', CH);
      await gw.join(conn('erin', 'e1', 'gw-1', CH, 'app-2'));

      // Listed before any announcement: these are the facts.
      expect(await byConnection(h.tracker())).toEqual({ a1: 'alice', a2: 'alice', b1: 'bob', c1: 'carol' });
      expect(await byConnection(gw, 'other')).toEqual({ d1: 'dave' });
      expect(await byConnection(gw, CH, 'app-2')).toEqual({ e1: 'erin' });
      expect(await gw.connections(APP, CH, 2)).toHaveLength(2);

      await gw.leave(conn('alice', 'a1', 'gw-1'));
      expect(await byConnection()).toEqual({ a2: 'alice', b1: 'bob', c1: 'carol' });

      // gw-dead stops heartbeating: its connection goes with its lease, before any reaping.
      await elapseBeating(timing.leaseMs + timing.marginMs, [[gw, 'gw-1']]);
      expect(await byConnection()).toEqual({ a2: 'alice', b1: 'bob' });
      await reapAll();
      expect(await byConnection()).toEqual({ a2: 'alice', b1: 'bob' });

      await gw.forgetChannel(APP, CH);
      expect(await gw.connections(APP, CH)).toEqual([]);
    });

    it('keeps apps apart even when they use the same channel and client ids', async () => {
      await h.watch('app-2', CH);
      await gw.join(conn('alice', 'a1', 'gw-1', CH, APP));
      await settle();

      expect(await gw.snapshot('app-2', CH)).toEqual({});
      expect(await gw.onlineCount('app-2', CH)).toBe(0);
      expect(await h.announcements('app-2', CH)).toEqual([]);
    });

    it('pages through online and recently offline clients, and counts online ones', async () => {
      const clients = Array.from({ length: 25 }, (_, i) => `c${String(i).padStart(2, '0')}`);
      for (const c of clients) await gw.join(conn(c, `${c}-1`));
      await settle();
      for (const c of clients.slice(0, 5)) await gw.leave(conn(c, `${c}-1`));
      await h.elapse(timing.graceMs + timing.marginMs);
      await settle();

      const seen = new Map<string, boolean>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<PresenceTracker['snapshotPage']>> = await gw.snapshotPage(
          APP,
          CH,
          cursor,
          7,
        );
        for (const [id, s] of Object.entries(page.clientStatus)) seen.set(id, s.status);
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 50);

      expect(pages).toBeGreaterThan(1);
      expect([...seen.keys()].sort()).toEqual(clients);
      expect(clients.filter((c) => seen.get(c) === false)).toEqual(clients.slice(0, 5));
      expect(await gw.onlineCount(APP, CH)).toBe(20);
      expect(Object.keys(await gw.snapshot(APP, CH))).toHaveLength(25);
      await expect(gw.snapshotPage(APP, CH, 'garbage')).rejects.toThrow('cursor');
    });

    it('keeps only the most recent offline clients', async () => {
      const tight: PresenceRules = { ...rules, offlineKeep: 2 };
      for (const c of ['a', 'b', 'c']) await gw.join(conn(c, `${c}-1`));
      await settle();
      for (const c of ['a', 'b', 'c']) {
        await gw.leave(conn(c, `${c}-1`));
        await h.elapse(timing.graceMs + timing.marginMs);
        for (
          let items = await replica.claimDue(100, timing.claimMs);
          items.length;
          items = await replica.claimDue(100, timing.claimMs)
        ) {
          await replica.settle(items, tight);
        }
      }

      expect(Object.keys(await gw.snapshot(APP, CH)).sort()).toEqual(['b', 'c']);
    });

    it('reports cluster-wide gauges computed by one replica at a time', async () => {
      await gw.join(conn('alice', 'a1', 'gw-1', CH));
      await gw.join(conn('bob', 'b1', 'gw-1', CH));
      await gw.join(conn('alice', 'a1', 'gw-1', 'other'));
      await settle();

      expect(await replica.stats(0)).toEqual(expect.objectContaining({ channels: 2, online: 3 }));
      expect(await h.store().stats(60_000)).toEqual(expect.objectContaining({ channels: 2, online: 3 }));
    });

    it('reports when the next evaluation is due', async () => {
      expect(await replica.nextDueAt()).toBeNull();
      await gw.join(conn('alice', 'a1'));
      expect(await replica.nextDueAt()).toBeLessThanOrEqual(await replica.now());
      await settle();
      expect(await replica.nextDueAt()).toBeNull();
      await gw.leave(conn('alice', 'a1'));
      await settle();
      const next = await replica.nextDueAt();
      expect(next).toBeGreaterThan(await replica.now());
    });
  });
}
