import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ConnectionCounter } from './connection-counter.port';

/** One isolated store (fresh in-memory state, or a fresh Redis key prefix). */
export interface ConnectionCounterHarness {
  /** The counter of a new gateway process, its lease taken. */
  gateway(leaseMs?: number): Promise<ConnectionCounter>;
  /** Lets store time pass. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

const caps = { perClient: 2, perApp: 3 };

/**
 * The behaviour every `ConnectionCounter` adapter must show. Run against the in-memory adapter in
 * unit tests and the Redis adapter in integration tests.
 */
export function describeConnectionCounterContract(
  name: string,
  make: () => Promise<ConnectionCounterHarness>,
  timing: { leaseMs: number; marginMs: number },
): void {
  describe(`ConnectionCounter contract (${name})`, () => {
    let h: ConnectionCounterHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.close();
    });
    /** Releases are written in the background: let them land. */
    const settle = () => new Promise<void>((r) => setTimeout(r, 50));

    it("counts a client's connections across gateways and refuses past the cap", async () => {
      const [a, b] = [await h.gateway(), await h.gateway()];
      expect(await a.acquire('app', 'alice', caps)).toBeNull();
      expect(await b.acquire('app', 'alice', caps)).toBeNull();
      expect(await a.acquire('app', 'alice', caps)).toBe('client');
      expect(await b.acquire('app', 'alice', caps)).toBe('client');
      // A refused connection holds nothing: one released slot is one admitted connection.
      b.release('app', 'alice');
      await settle();
      expect(await a.acquire('app', 'alice', caps)).toBeNull();
      expect(await b.acquire('app', 'alice', caps)).toBe('client');
    });

    it("counts an app's connections across gateways and clients; apps apart", async () => {
      const [a, b] = [await h.gateway(), await h.gateway()];
      expect(await a.acquire('app', 'c1', caps)).toBeNull();
      expect(await b.acquire('app', 'c2', caps)).toBeNull();
      expect(await a.acquire('app', 'c3', caps)).toBeNull();
      expect(await b.acquire('app', 'c4', caps)).toBe('app');
      expect(await b.acquire('other', 'c4', caps)).toBeNull();
    });

    it('never lets concurrent connects on several gateways exceed the cap', async () => {
      const gateways = [await h.gateway(), await h.gateway(), await h.gateway()];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_v, i) => gateways[i % 3].acquire('app', 'alice', caps)),
      );
      expect(results.filter((r) => r === null)).toHaveLength(caps.perClient);
    });

    it('stops counting a gateway one lease after its last heartbeat (a crash needs no cleanup)', async () => {
      const dead = await h.gateway(timing.leaseMs);
      const live = await h.gateway(timing.leaseMs);
      expect(await dead.acquire('app', 'alice', caps)).toBeNull();
      expect(await dead.acquire('app', 'alice', caps)).toBeNull();
      expect(await live.acquire('app', 'alice', caps)).toBe('client');
      await h.elapse(timing.leaseMs + timing.marginMs);
      await live.heartbeat();
      expect(await live.acquire('app', 'alice', caps)).toBeNull();
    });

    it('stops counting a gateway at once when it closes', async () => {
      const leaving = await h.gateway();
      const other = await h.gateway();
      expect(await leaving.acquire('app', 'alice', caps)).toBeNull();
      expect(await leaving.acquire('app', 'alice', caps)).toBeNull();
      expect(await other.acquire('app', 'alice', caps)).toBe('client');
      await leaving.close();
      expect(await other.acquire('app', 'alice', caps)).toBeNull();
    });

    it('counts a gateway again, with all its connections, once it heartbeats after losing its lease', async () => {
      const cutOff = await h.gateway(timing.leaseMs);
      const other = await h.gateway(timing.leaseMs);
      expect(await cutOff.acquire('app', 'alice', caps)).toBeNull();
      expect(await cutOff.acquire('app', 'alice', caps)).toBeNull();
      await h.elapse(timing.leaseMs + timing.marginMs);
      await other.heartbeat();
      expect(await other.acquire('app', 'alice', caps)).toBeNull();
      other.release('app', 'alice');
      await settle();
      await cutOff.heartbeat();
      await other.heartbeat();
      expect(await other.acquire('app', 'alice', caps)).toBe('client');
    });
  });
}
