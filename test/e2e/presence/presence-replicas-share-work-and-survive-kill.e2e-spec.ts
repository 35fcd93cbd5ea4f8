import { channelRoom, redisKeys } from '@channels/contracts';
import {
  createRedis,
  type OnlineStatusBroadcast,
  parseOnlineStatusBroadcast,
  type PresenceConnection,
  RedisPresenceTracker,
  roomShardChannel,
} from '@channels/realtime';
import { BASE_REDIS_URL, eventually, sleep, Stack } from '@channels/testing';
import type Redis from 'ioredis';

/**
 * Two presence processes over one Redis, gateways played by trackers in this process (the same
 * code a gateway runs): each transition is announced exactly once while both run, and nothing is
 * lost when one of them is killed with -9 in the middle of the work.
 */
describe('presence replicas share the work and survive a kill -9', () => {
  const GRACE_MS = 1_000;
  const LEASE_MS = 1_500;
  const stack = new Stack({
    gateways: 0,
    writers: 0,
    adminApi: false,
    presences: 2,
    env: {
      PRESENCE_GRACE_MS: String(GRACE_MS),
      PRESENCE_CLAIM_MS: '1000',
      PRESENCE_POLL_MS: '20',
      PRESENCE_REAP_INTERVAL_MS: '200',
      PRESENCE_BATCH_SIZE: '5',
    },
  });
  const APP = 'ha';
  const CH = 'lobby';
  let redis: Redis;
  let sub: Redis;
  const heard: OnlineStatusBroadcast[] = [];
  const timers: NodeJS.Timeout[] = [];

  const gateway = (gatewayID: string) => {
    const tracker = new RedisPresenceTracker(redis, redisKeys(stack.redisPrefix), { leaseMs: LEASE_MS });
    const timer = setInterval(() => void tracker.heartbeat(gatewayID).catch(() => undefined), LEASE_MS / 5);
    timers.push(timer);
    const conn = (clientID: string): PresenceConnection => ({
      appID: APP,
      channelID: CH,
      clientID,
      connectionID: `${clientID}@${gatewayID}`,
      gatewayID,
    });
    return {
      join: (clientID: string) => tracker.join(conn(clientID)),
      leave: (clientID: string) => tracker.leave(conn(clientID)),
      crash: () => clearInterval(timer),
    };
  };
  const count = (status: boolean) => heard.filter((h) => h.payload.status === status).length;
  const unique = () => new Set(heard.map((h) => `${h.payload.clientID}:${h.payload.status}`)).size;

  beforeAll(async () => {
    await stack.start();
    redis = createRedis(BASE_REDIS_URL);
    sub = redis.duplicate();
    sub.on('smessage', (_c: string, m: string) => heard.push(parseOnlineStatusBroadcast(m)));
    await sub.ssubscribe(roomShardChannel(stack.redisPrefix, channelRoom(APP, CH)));
  }, 120_000);

  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    sub?.disconnect();
    await redis?.quit();
    await stack.stop();
  });

  it('announces every transition exactly once with a replica killed halfway through', async () => {
    const gw = gateway('gw-a');
    const clients = Array.from({ length: 120 }, (_, i) => `c${i}`);
    const [victim] = stack.all('presence');
    for (const [i, c] of clients.entries()) {
      await gw.join(c);
      if (i === 60) stack.kill9(victim);
      if (i % 10 === 0) await sleep(10);
    }
    await eventually(() => count(true) === clients.length, 'every client announced online', 15_000);

    for (const c of clients) await gw.leave(c);
    await eventually(() => count(false) === clients.length, 'every client announced offline', 15_000);
    await sleep(GRACE_MS + 500);

    expect(heard).toHaveLength(clients.length * 2);
    expect(unique()).toBe(clients.length * 2);
    expect(heard.every((h) => h.except[0] === `cl:${APP}|${h.payload.clientID}`)).toBe(true);
  });

  it('still cleans up after a crashed gateway with one replica left, and a restarted replica joins in', async () => {
    heard.length = 0;
    const doomed = gateway('gw-doomed');
    const live = gateway('gw-live');
    await doomed.join('alice');
    await live.join('bob');
    await eventually(() => count(true) === 2, 'alice and bob online');

    doomed.crash();
    await stack.startService('presence');
    await eventually(() => count(false) === 1, 'alice announced offline', LEASE_MS + GRACE_MS + 10_000);
    await sleep(GRACE_MS);

    expect(heard.map((h) => `${h.payload.clientID}:${h.payload.status}`)).toEqual([
      'alice:true',
      'bob:true',
      'alice:false',
    ]);
    const snapshot = await new RedisPresenceTracker(redis, redisKeys(stack.redisPrefix)).snapshot(APP, CH);
    expect(snapshot['bob']).toEqual({ status: true, timestamp: expect.any(Number) });
    expect(snapshot['alice']?.status).toBe(false);
  });
});
