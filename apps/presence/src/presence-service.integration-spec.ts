import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadEnv } from '@channels/bootstrap';
import { channelRoom, redisKeys } from '@channels/contracts';
import {
  createRedis,
  type OnlineStatusBroadcast,
  parseOnlineStatusBroadcast,
  type PresenceConnection,
  RedisPresenceTracker,
  roomShardChannel,
} from '@channels/realtime';
import { BASE_REDIS_URL, deleteRedisPrefix } from '@channels/testing';
import type Redis from 'ioredis';
import { AppModule } from './app.module';
import { presenceEnvSchema } from './config';

const GRACE_MS = 800;
const LEASE_MS = 700;
const APP = 'app';
const CH = 'lobby';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A simulated gateway process: a tracker that heartbeats until crashed. */
class FakeGateway {
  readonly tracker: RedisPresenceTracker;
  private readonly timer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    prefix: string,
    readonly gatewayID: string,
  ) {
    this.tracker = new RedisPresenceTracker(redis, redisKeys(prefix), { leaseMs: LEASE_MS });
    this.timer = setInterval(
      () => void this.tracker.heartbeat(gatewayID).catch(() => undefined),
      LEASE_MS / 4,
    );
  }

  conn(clientID: string, connectionID: string): PresenceConnection {
    return { appID: APP, channelID: CH, clientID, connectionID, gatewayID: this.gatewayID };
  }
  join(clientID: string, connectionID: string): Promise<void> {
    return this.tracker.join(this.conn(clientID, connectionID));
  }
  leave(clientID: string, connectionID: string): Promise<void> {
    return this.tracker.leave(this.conn(clientID, connectionID));
  }
  /** Stops heartbeating without a goodbye, like a process killed with -9. */
  crash(): void {
    clearInterval(this.timer);
  }
}

describe('presence service against Redis', () => {
  let prefix: string;
  let redis: Redis;
  let sub: Redis;
  let heard: OnlineStatusBroadcast[];
  let replicas: INestApplication[];
  let gateways: FakeGateway[];

  const startReplica = async (id: string): Promise<INestApplication> => {
    const config = loadEnv(presenceEnvSchema, {
      REDIS_URL: BASE_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      PRESENCE_ID: id,
      PRESENCE_GRACE_MS: String(GRACE_MS),
      PRESENCE_CLAIM_MS: '600',
      PRESENCE_POLL_MS: '20',
      PRESENCE_REAP_INTERVAL_MS: '100',
      PRESENCE_BATCH_SIZE: '8',
    });
    const app = await NestFactory.create(AppModule.forRoot(config), { logger: false });
    await app.init();
    replicas.push(app);
    return app;
  };
  const gateway = (id: string) => {
    const g = new FakeGateway(redis, prefix, id);
    gateways.push(g);
    return g;
  };
  const statuses = () => heard.map((h) => `${h.payload.clientID}:${h.payload.status}`);

  beforeEach(async () => {
    // Own short prefix (the service validates its length); deleted after each test.
    prefix = `itp:${randomBytes(5).toString('hex')}:`;
    redis = createRedis(BASE_REDIS_URL);
    sub = redis.duplicate();
    heard = [];
    replicas = [];
    gateways = [];
    sub.on('smessage', (_channel: string, message: string) =>
      heard.push(parseOnlineStatusBroadcast(message)),
    );
    await sub.ssubscribe(roomShardChannel(prefix, channelRoom(APP, CH)));
  });

  afterEach(async () => {
    for (const g of gateways) g.crash();
    await Promise.all(replicas.map((r) => r.close()));
    sub.disconnect();
    await deleteRedisPrefix(prefix);
    await redis.quit();
  });

  it('announces a multi-device client online once and offline once after the grace period', async () => {
    await startReplica('p1');
    const gw1 = gateway('gw1');
    const gw2 = gateway('gw2');
    await gw1.join('alice', 'phone');
    await gw2.join('alice', 'laptop');
    await waitFor('alice online', () => heard.length === 1, 5_000);

    await gw1.leave('alice', 'phone');
    await sleep(GRACE_MS + 300);
    expect(statuses()).toEqual(['alice:true']);

    await gw2.leave('alice', 'laptop');
    await waitFor('alice offline', () => heard.length === 2, 5_000);
    expect(statuses()).toEqual(['alice:true', 'alice:false']);
    expect(heard[1].payload.timestamp - heard[0].payload.timestamp).toBeGreaterThanOrEqual(GRACE_MS);
    expect(heard[1].except).toEqual(['cl:app|alice']);
  });

  it('announces nothing when the client comes back within the grace period', async () => {
    await startReplica('p1');
    const gw1 = gateway('gw1');
    const gw2 = gateway('gw2');
    await gw1.join('alice', 'c1');
    await waitFor('alice online', () => heard.length === 1, 5_000);
    await gw1.leave('alice', 'c1');
    await sleep(GRACE_MS / 2);
    await gw2.join('alice', 'c2');
    await sleep(GRACE_MS * 2);

    expect(statuses()).toEqual(['alice:true']);
  });

  it('announces the clients of a crashed gateway offline, within its lease plus the grace period', async () => {
    await startReplica('p1');
    const doomed = gateway('gw-doomed');
    const live = gateway('gw-live');
    await doomed.join('alice', 'a1');
    await live.join('bob', 'b1');
    await waitFor('both online', () => heard.length === 2, 5_000);

    doomed.crash();
    await waitFor('alice offline', () => heard.length === 3, LEASE_MS + GRACE_MS + 3_000);
    await sleep(GRACE_MS);

    expect(statuses().slice(2)).toEqual(['alice:false']);
    const tracker = new RedisPresenceTracker(redis, redisKeys(prefix));
    const snap = await tracker.snapshot(APP, CH);
    expect(snap['bob']?.status).toBe(true);
    expect(snap['alice']?.status).toBe(false);
  });

  it('keeps announcing every transition exactly once when one of two replicas stops', async () => {
    const first = await startReplica('p1');
    await startReplica('p2');
    const gw = gateway('gw1');
    const clients = Array.from({ length: 40 }, (_, i) => `c${i}`);
    await Promise.all(clients.map((c) => gw.join(c, `${c}-1`)));
    await waitFor('everyone online', () => heard.length === clients.length, 10_000);

    await first.close();
    replicas = replicas.filter((r) => r !== first);
    await Promise.all(clients.map((c) => gw.leave(c, `${c}-1`)));
    await waitFor('everyone offline', () => heard.length === clients.length * 2, 10_000);
    await sleep(GRACE_MS);

    const all = statuses();
    expect(all).toHaveLength(clients.length * 2);
    expect(new Set(all).size).toBe(clients.length * 2);
  });
});
