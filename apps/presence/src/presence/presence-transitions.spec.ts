import { Logger } from '@nestjs/common';
import { loadEnv, MetricsRegistry } from '@channels/bootstrap';
import type { WebhookBody } from '@channels/contracts';
import {
  InMemoryPresenceState,
  InMemoryPresenceStore,
  InMemoryPresenceTracker,
  InMemoryWebhookDispatch,
  InMemoryWebhookOutbox,
  InMemoryWebhookSettings,
  parseOnlineStatusBroadcast,
  type PresenceConnection,
  type PresenceStore,
  WebhookEmitter,
} from '@channels/realtime';
import { type PresenceConfig, presenceEnvSchema } from '../config';
import { LeaseReaper } from './lease-reaper.service';
import { PresenceMetrics } from './presence-metrics';
import { PresenceWebhooks } from './presence-webhooks';
import { TransitionWorker } from './transition-worker.service';

const LEASE_MS = 12_000;
const STEP_MS = 250;

/** A presence deployment in one process: a shared in-memory store on a fake clock. */
class Deployment {
  now = 1_700_000_000_000;
  readonly state = new InMemoryPresenceState({ now: () => this.now });
  readonly config: PresenceConfig = loadEnv(presenceEnvSchema, {
    PRESENCE_ID: 'test',
    PRESENCE_GRACE_MS: '15000',
    PRESENCE_CLAIM_MS: '5000',
    PRESENCE_POLL_MS: '100',
    PRESENCE_REAP_INTERVAL_MS: '1000',
    PRESENCE_BATCH_SIZE: '4',
  });
  private readonly beating = new Map<string, InMemoryPresenceTracker>();
  readonly webhookSettings = new InMemoryWebhookSettings();
  readonly outbox = new InMemoryWebhookOutbox();
  readonly webhooks = new PresenceWebhooks(
    new WebhookEmitter(this.webhookSettings, this.outbox, new InMemoryWebhookDispatch(), () => this.now),
  );

  /** The webhooks queued for a channel, in sequence order (drains its chain). */
  async webhooksOf(channelID: string): Promise<WebhookBody[]> {
    const chain = { appID: 'app', channelID };
    const out: WebhookBody[] = [];
    for (let id = await this.outbox.head(chain); id; id = await this.outbox.complete(chain, id)) {
      const body = await this.outbox.read(chain, id);
      if (body) out.push(body);
    }
    return out;
  }

  replica(store: PresenceStore = new InMemoryPresenceStore(this.state)) {
    const metrics = new PresenceMetrics(new MetricsRegistry(), this.config);
    return {
      metrics,
      worker: new TransitionWorker(store, this.config, metrics, this.webhooks),
      reaper: new LeaseReaper(store, this.config, metrics),
    };
  }

  /** A gateway process that heartbeats every second of simulated time until `crash`. */
  gateway(gatewayID: string) {
    const tracker = new InMemoryPresenceTracker(this.state, { leaseMs: LEASE_MS });
    this.beating.set(gatewayID, tracker);
    const conn = (clientID: string, connectionID: string, channelID = 'room'): PresenceConnection => ({
      appID: 'app',
      channelID,
      clientID,
      connectionID,
      gatewayID,
    });
    return {
      tracker,
      join: (clientID: string, connectionID: string) => tracker.join(conn(clientID, connectionID)),
      leave: (clientID: string, connectionID: string) => tracker.leave(conn(clientID, connectionID)),
      crash: () => void this.beating.delete(gatewayID),
    };
  }

  /** Lets `ms` of simulated time pass with every replica's loops running as they would. */
  async run(ms: number, replicas: ReturnType<Deployment['replica']>[]): Promise<void> {
    for (let t = 0; t < ms; t += STEP_MS) {
      this.now += STEP_MS;
      if (this.now % 1000 < STEP_MS) for (const [id, tracker] of this.beating) await tracker.heartbeat(id);
      for (const r of replicas) {
        if (this.now % this.config.PRESENCE_REAP_INTERVAL_MS < STEP_MS)
          await r.reaper.tick().catch(() => undefined);
        for (let i = 0; i < 100 && (await r.worker.tick().catch(() => 1)) === 0; i++);
      }
    }
  }

  /** What subscribers of the channel heard, in order: `client:true|false@ms`. */
  heard(): { clientID: string; status: boolean; timestamp: number; except: string[] }[] {
    return this.state.published.map((m) => {
      const b = parseOnlineStatusBroadcast(m.message);
      return {
        clientID: b.payload.clientID,
        status: b.payload.status,
        timestamp: b.payload.timestamp,
        except: b.except,
      };
    });
  }
}

const counter = async (m: PresenceMetrics, status: 'online' | 'offline') =>
  (await m.transitions.get()).values.find((v) => v.labels['status'] === status)?.value ?? 0;

describe('presence transitions', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('announces a client online when its first device subscribes, and offline only after the grace period once its last device is gone', async () => {
    const d = new Deployment();
    const replica = d.replica();
    const gw1 = d.gateway('gw1');
    const gw2 = d.gateway('gw2');

    await gw1.join('alice', 'phone');
    await gw2.join('alice', 'laptop');
    await d.run(1_000, [replica]);
    expect(d.heard().map((h) => `${h.clientID}:${h.status}`)).toEqual(['alice:true']);
    expect(d.heard()[0].except).toEqual(['cl:app|alice']);

    await gw1.leave('alice', 'phone');
    await d.run(30_000, [replica]);
    expect(d.heard()).toHaveLength(1);

    await gw2.leave('alice', 'laptop');
    const leftAt = d.now;
    await d.run(14_000, [replica]);
    expect(d.heard()).toHaveLength(1);
    await d.run(2_000, [replica]);

    const [, offline] = d.heard();
    expect(offline).toEqual(expect.objectContaining({ clientID: 'alice', status: false }));
    expect(offline.timestamp - leftAt).toBeGreaterThanOrEqual(15_000);
    expect(offline.timestamp - leftAt).toBeLessThanOrEqual(15_000 + STEP_MS);
    expect(await counter(replica.metrics, 'online')).toBe(1);
    expect(await counter(replica.metrics, 'offline')).toBe(1);
  });

  it('queues client_online / client_offline webhooks for exactly the announced transitions, with their timestamps', async () => {
    const d = new Deployment();
    await d.webhookSettings.mirror('app', ['client_online', 'client_offline']);
    const replica = d.replica();
    const gw1 = d.gateway('gw1');
    const gw2 = d.gateway('gw2');
    await gw1.join('alice', 'a1');
    await gw2.join('bob', 'b1');
    await d.run(1_000, [replica]);
    await gw1.leave('alice', 'a1');
    await d.run(5_000, [replica]);
    await gw1.join('alice', 'a2'); // back within the grace period: nothing
    gw2.crash(); // bob's gateway dies: offline after the lease and the grace period
    await d.run(LEASE_MS + 20_000, [replica]);

    const heard = d.heard().map((h) => ({ clientID: h.clientID, status: h.status, timestamp: h.timestamp }));
    expect(heard.map((h) => `${h.clientID}:${h.status}`)).toEqual(['alice:true', 'bob:true', 'bob:false']);
    const webhooks = await d.webhooksOf('room');
    expect(
      webhooks.map((w) => ({
        clientID: w.clientID,
        status: w.type === 'client_online',
        timestamp: (w.data as { timestamp: number }).timestamp,
      })),
    ).toEqual(heard);
    expect(webhooks.map((w) => w.sequence)).toEqual([1, 2, 3]);
    expect(webhooks.every((w) => w.channelID === 'room' && w.appID === 'app')).toBe(true);
  });

  it('announces nothing when a client reconnects within the grace period, even through another gateway', async () => {
    const d = new Deployment();
    const replica = d.replica();
    const gw1 = d.gateway('gw1');
    const gw2 = d.gateway('gw2');
    await gw1.join('alice', 'c1');
    await d.run(1_000, [replica]);
    await gw1.leave('alice', 'c1');
    await d.run(10_000, [replica]);
    await gw2.join('alice', 'c2');
    await d.run(60_000, [replica]);

    expect(d.heard().map((h) => `${h.clientID}:${h.status}`)).toEqual(['alice:true']);
  });

  it('announces the clients of a killed gateway offline within the lease plus the grace period, and only them', async () => {
    const d = new Deployment();
    const replica = d.replica();
    const doomed = d.gateway('gw-doomed');
    const survivor = d.gateway('gw-ok');
    await doomed.join('alice', 'a1');
    await doomed.join('carol', 'c1');
    await survivor.join('carol', 'c2');
    await survivor.join('bob', 'b1');
    await d.run(2_000, [replica]);

    doomed.crash();
    const killedAt = d.now;
    await d.run(60_000, [replica]);

    const offline = d.heard().filter((h) => !h.status);
    expect(offline.map((h) => h.clientID)).toEqual(['alice']);
    const bound = Math.max(LEASE_MS, d.config.PRESENCE_GRACE_MS) + d.config.PRESENCE_REAP_INTERVAL_MS + 1_000;
    expect(offline[0].timestamp - killedAt).toBeLessThanOrEqual(bound);
    expect((await replica.metrics.leasesReaped.get()).values[0]?.value).toBe(1);
    expect((await replica.metrics.connectionsReaped.get()).values[0]?.value).toBe(2);
  });

  it('loses nothing when a replica dies holding claimed work: the survivor announces it once the claims expire', async () => {
    const d = new Deployment();
    const shared = new InMemoryPresenceStore(d.state);
    // A replica that claims work and dies before settling it.
    const dying: PresenceStore = Object.assign(Object.create(shared) as PresenceStore, {
      settle: () => Promise.reject(new Error('killed')),
    });
    const doomedReplica = d.replica(dying);
    const survivor = d.replica();
    const gw = d.gateway('gw1');
    for (let i = 0; i < 10; i++) await gw.join(`c${i}`, `c${i}-1`);

    await expect(doomedReplica.worker.tick()).rejects.toThrow('killed');
    await d.run(1_000, [survivor]);
    const before = d.heard().length;
    await d.run(d.config.PRESENCE_CLAIM_MS + 1_000, [survivor]);

    expect(before).toBeLessThan(10);
    expect(
      d
        .heard()
        .map((h) => h.clientID)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`).sort());
  });

  it('announces every transition exactly once with two replicas running side by side', async () => {
    const d = new Deployment();
    const replicas = [d.replica(), d.replica()];
    const gw = d.gateway('gw1');
    const clients = Array.from({ length: 25 }, (_, i) => `c${i}`);
    for (const c of clients) await gw.join(c, `${c}-1`);
    await d.run(1_000, replicas);
    for (const c of clients) await gw.leave(c, `${c}-1`);
    await d.run(20_000, replicas);

    const heard = d.heard().map((h) => `${h.clientID}:${h.status}`);
    expect(heard).toHaveLength(50);
    expect(new Set(heard).size).toBe(50);
    const perReplica = await Promise.all(replicas.map((r) => counter(r.metrics, 'online')));
    expect(perReplica[0] + perReplica[1]).toBe(25);
  });

  it('waits until the next grace period ends, never longer than the poll interval', async () => {
    const d = new Deployment();
    const { worker } = d.replica();
    expect(await worker.tick()).toBe(d.config.PRESENCE_POLL_MS);
    const gw = d.gateway('gw1');
    await gw.join('alice', 'a1');
    await worker.tick();
    await gw.leave('alice', 'a1');
    await worker.tick();
    d.now += 15_000 - 40;
    expect(await worker.tick()).toBe(40);
  });
});
