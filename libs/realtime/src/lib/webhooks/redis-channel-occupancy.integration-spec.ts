import { redisKeys } from '@channels/contracts';
import { deleteRedisPrefix, eventually } from '@channels/testing';
import Redis from 'ioredis';
import { InMemoryWebhookDispatch } from './in-memory-webhook-dispatch';
import { InMemoryWebhookSettings } from './in-memory-webhook-settings';
import { OccupancyReaper, RedisChannelOccupancy } from './redis-channel-occupancy';
import { RedisWebhookOutbox } from './redis-webhook-outbox';

const url = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const prefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'it:local:'}occ:${process.pid}:`;
const keys = redisKeys(prefix);
const redis = new Redis(url);

afterAll(async () => {
  await deleteRedisPrefix(prefix, url);
  await redis.quit();
});

describe('RedisChannelOccupancy and OccupancyReaper', () => {
  const settings = new InMemoryWebhookSettings();
  const dispatch = new InMemoryWebhookDispatch();
  const outbox = new RedisWebhookOutbox(redis, keys);
  const gateway = (name: string, leaseMs = 60_000) =>
    new RedisChannelOccupancy(redis, keys, settings, dispatch, { occupant: name, leaseMs });
  const types = async (channelID: string) => {
    const chain = { appID: 'app', channelID };
    const out: string[] = [];
    for (let id = await outbox.head(chain); id; id = await outbox.complete(chain, id)) {
      const w = await outbox.read(chain, id);
      out.push(`${w?.type}#${w?.sequence}`);
    }
    return out;
  };

  beforeAll(() => settings.mirror('app', ['channel_occupied', 'channel_vacated']));

  it('queues occupied for the first subscriber on any gateway and vacated for the last, in order', async () => {
    const a = gateway('gw-a');
    const b = gateway('gw-b');
    a.occupied('app', 'room');
    b.occupied('app', 'room');
    a.vacated('app', 'room');
    await Promise.all([a.settled(), b.settled()]);
    b.vacated('app', 'room');
    a.occupied('app', 'room');
    a.vacated('app', 'room');
    await Promise.all([a.settled(), b.settled()]);
    expect(await types('room')).toEqual([
      'channel_occupied#1',
      'channel_vacated#2',
      'channel_occupied#3',
      'channel_vacated#4',
    ]);
    // Only chain heads were handed on (the first of each run of pending webhooks).
    expect(dispatch.delivers.filter((j) => j.channelID === 'room').length).toBeGreaterThanOrEqual(1);
  });

  it('tracks without queueing for an app that does not want the types', async () => {
    const a = gateway('gw-quiet');
    a.occupied('other', 'room');
    await a.settled();
    expect(await redis.smembers(keys.occupancy('other', 'room'))).toEqual(['gw-quiet']);
    expect(await outbox.head({ appID: 'other', channelID: 'room' })).toBeNull();
  });

  it('vacates the channels of a gateway whose lease expired, where it was the last one', async () => {
    const dead = gateway('gw-dead', 300);
    const alive = gateway('gw-alive');
    await dead.heartbeat();
    await alive.heartbeat();
    dead.occupied('app', 'solo');
    dead.occupied('app', 'shared');
    alive.occupied('app', 'shared');
    await Promise.all([dead.settled(), alive.settled()]);
    await types('solo');
    await types('shared');

    const reaper = new OccupancyReaper(redis, keys, settings, dispatch);
    expect(await reaper.claimExpired(10, 5_000)).not.toContain('gw-dead');
    let claimed: string[] = [];
    await eventually(async () => {
      claimed = await reaper.claimExpired(10, 5_000);
      return claimed.includes('gw-dead');
    }, 'the lease expired');
    expect(claimed).not.toContain('gw-alive');
    const step = await reaper.reap('gw-dead', 100);
    expect(step.done).toBe(true);
    expect(step.vacated).toEqual(['{app|solo}']);
    expect(await types('solo')).toEqual(['channel_vacated#2']);
    expect(await types('shared')).toEqual([]);
    expect(await redis.smembers(keys.occupancy('app', 'shared'))).toEqual(['gw-alive']);
    expect(await redis.zscore(keys.occupants(), 'gw-dead')).toBeNull();
  });

  it('re-occupies every held channel when its lease was lost while it was cut off', async () => {
    const g = gateway('gw-cut', 60_000);
    await g.heartbeat();
    g.occupied('app', 'kept');
    await g.settled();
    await types('kept');
    // Reaped as if dead (its lease expired during a partition).
    await redis.zadd(keys.occupants(), 0, 'gw-cut');
    const reaper = new OccupancyReaper(redis, keys, settings, dispatch);
    await reaper.claimExpired(10, 5_000);
    await reaper.reap('gw-cut', 100);
    expect(await types('kept')).toEqual(['channel_vacated#2']);
    await g.heartbeat();
    await g.settled();
    expect(await types('kept')).toEqual(['channel_occupied#3']);
    expect(await redis.smembers(keys.occupancy('app', 'kept'))).toEqual(['gw-cut']);
  });
});
