import { randomBytes } from 'node:crypto';
import { channelRoom, redisKeys } from '@channels/contracts';
import { BASE_REDIS_URL, deleteRedisPrefix } from '@channels/testing';
import { roomShardChannel } from '../broker/adapter-message';
import { createRedis } from '../redis/redis.module';
import { parseOnlineStatusBroadcast } from './presence-codec';
import { describePresenceTrackerContract } from './presence.contract';
import { RedisPresenceStore } from './redis-presence-store';
import { RedisPresenceTracker } from './redis-presence-tracker';

const MARK = '\u0000mark';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describePresenceTrackerContract(
  'redis',
  async (timing) => {
    // A key prefix of its own per test: the store's global keys (due set, leases) start empty.
    const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:'}pc${randomBytes(4).toString('hex')}:`;
    const keys = redisKeys(prefix);
    const redis = createRedis(BASE_REDIS_URL);
    const sub = redis.duplicate();
    const received = new Map<string, string[]>();
    const waiting = new Map<string, () => void>();
    sub.on('smessage', (channel: string, message: string) => {
      if (message === MARK) waiting.get(channel)?.();
      else received.set(channel, [...(received.get(channel) ?? []), message]);
    });
    const shard = (appID: string, channelID: string) =>
      roomShardChannel(prefix, channelRoom(appID, channelID));
    return {
      tracker: () => new RedisPresenceTracker(redis, keys, { leaseMs: timing.leaseMs }),
      store: () => new RedisPresenceStore(redis, keys),
      watch: async (appID, channelID) => {
        await sub.ssubscribe(shard(appID, channelID));
      },
      announcements: async (appID, channelID) => {
        // Messages reach a subscriber in publish order: once our marker is back, all earlier ones are.
        const channel = shard(appID, channelID);
        const marked = new Promise<void>((resolve) => waiting.set(channel, resolve));
        await redis.spublish(channel, MARK);
        await marked;
        return (received.get(channel) ?? []).map(parseOnlineStatusBroadcast);
      },
      elapse: sleep,
      close: async () => {
        sub.disconnect();
        await deleteRedisPrefix(prefix);
        await redis.quit();
      },
    };
  },
  { leaseMs: 400, graceMs: 400, claimMs: 400, marginMs: 150 },
);
