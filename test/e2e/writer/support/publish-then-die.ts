/**
 * A publishing process that dies between the two steps of a stored publish: the real publish path
 * (PublishService over the Redis broker) runs its atomic broker step for each event, and at the
 * hand-off to the persistence queue the process writes the event it was about to hand off to
 * stdout (one JSON line) and, once it holds COUNT of them, kills itself with SIGKILL — no hand-off
 * ever happens. Run with ts-node (see the scenario that spawns it).
 *
 * Env: REDIS_URL, REDIS_KEY_PREFIX, APP, CHANNEL, COUNT.
 */
import { writeSync } from 'node:fs';
import { type Channel, redisKeys, type StoredEvent } from '@channels/contracts';
import { type ChannelAccess, PublishService } from '@channels/messaging';
import { createRedis, type EventQueue, RedisBroker } from '@channels/realtime';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const appID = env('APP');
const channelID = env('CHANNEL');
const count = Number(env('COUNT'));

const channel: Channel = {
  appID,
  channelID,
  name: channelID,
  persistent: true,
  private: false,
  presence: false,
  isClosed: false,
  clientPublish: true,
  joinLeave: true,
  historySize: null,
  historyTTLSeconds: null,
  autoCreated: false,
  extra: '',
  createdAt: 0,
};
const broker = new RedisBroker(
  createRedis(env('REDIS_URL')),
  {
    seedPosition: async () => ({ top: 0, reseed: false }),
    gate: async () => ({ exists: true, closed: false }),
  },
  { keys: redisKeys(env('REDIS_KEY_PREFIX')), windowSize: 1_000, idempotencyTtlSeconds: 600 },
);
let held = 0;
const dying: EventQueue = {
  enqueue: (event: StoredEvent) => {
    writeSync(1, `${JSON.stringify(event)}\n`);
    if (++held === count) process.kill(process.pid, 'SIGKILL');
    return new Promise<void>(() => undefined);
  },
  close: async () => undefined,
};
const access = { require: async () => channel } as unknown as ChannelAccess;
const publisher = new PublishService(access, broker, dying, {
  maxPayloadBytes: 65_536,
  hotWindowSize: 1_000,
  idempotencyTtlSeconds: 600,
  directoryCacheMs: 0,
  queueBatchMaxEvents: 100,
  queueBatchMaxDelayMs: 1,
});
for (let i = 1; i <= count; i++) {
  void publisher.publish(
    { role: 'Client', clientID: 'alice', appID },
    appID,
    { channelID, eventType: 'm', payload: { n: i } },
    { acked: true },
  );
}
