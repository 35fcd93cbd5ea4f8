import { describeConnectionCounterContract } from './connection-counter.contract';
import { InMemoryConnectionCounter, InMemoryConnectionState } from './in-memory-connection-counter';

describeConnectionCounterContract(
  'in-memory',
  async () => {
    let now = 1_700_000_000_000;
    const state = new InMemoryConnectionState({ now: () => now });
    let n = 0;
    return {
      gateway: async (leaseMs = 12_000) => {
        const counter = new InMemoryConnectionCounter(state, { instance: `gw${++n}`, leaseMs });
        await counter.heartbeat();
        return counter;
      },
      elapse: async (ms) => {
        now += ms;
      },
      close: async () => undefined,
    };
  },
  { leaseMs: 12_000, marginMs: 10 },
);
