import { channelRoom } from '@channels/contracts';
import { roomShardChannel } from '../broker/adapter-message';
import { InMemoryPresenceState, InMemoryPresenceStore, InMemoryPresenceTracker } from './in-memory-presence';
import { parseOnlineStatusBroadcast } from './presence-codec';
import { describePresenceTrackerContract } from './presence.contract';

describePresenceTrackerContract(
  'in-memory',
  async (timing) => {
    let now = 1_700_000_000_000;
    const state = new InMemoryPresenceState({ now: () => now });
    const shard = (appID: string, channelID: string) =>
      roomShardChannel(state.keyPrefix, channelRoom(appID, channelID));
    return {
      tracker: () => new InMemoryPresenceTracker(state, { leaseMs: timing.leaseMs }),
      store: () => new InMemoryPresenceStore(state),
      watch: async () => undefined,
      announcements: async (appID, channelID) =>
        state.published
          .filter((m) => m.channel === shard(appID, channelID))
          .map((m) => parseOnlineStatusBroadcast(m.message)),
      elapse: async (ms) => {
        now += ms;
      },
      close: async () => undefined,
    };
  },
  { leaseMs: 12_000, graceMs: 15_000, claimMs: 5_000, marginMs: 10 },
);
