import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { redisKeys, type StoredEvent } from '@channels/contracts';
import { BASE_REDIS_URL, eventually, Fixtures, REPO_ROOT, Stack } from '@channels/testing';
import Redis from 'ioredis';

const COUNT = 25;

/**
 * Ack means it will be stored: a publishing process is killed (SIGKILL) after the broker step of
 * its stored publishes and before their hand-off to the persistence queue. Subscribers may hold
 * those events already; the writer's outbox sweeper finds them in the channel's window and stores
 * exactly those events, once.
 */
describe('a publisher killed before its hand-off to the queue loses nothing', () => {
  const stack = new Stack({
    gateways: 0,
    adminApi: false,
    writers: 0,
    presences: 0,
    serviceEnv: {
      'persistence-writer': { OUTBOX_SWEEP_INTERVAL_MS: '200', OUTBOX_STALE_MS: '1000' },
    },
  });
  let fx: Fixtures;
  let redis: Redis;
  const APP = 'killed-publisher';
  const CH = 'orders';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, CH, { persistent: true });
    redis = new Redis(BASE_REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await fx?.close();
    await stack.stop();
  });

  /** Runs the dying publisher; resolves with the events it was about to hand off and how it ended. */
  const publishThenDie = () =>
    new Promise<{ events: StoredEvent[]; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '-r',
          'ts-node/register',
          '-r',
          'tsconfig-paths/register',
          join(__dirname, 'support', 'publish-then-die.ts'),
        ],
        {
          cwd: REPO_ROOT,
          env: {
            PATH: process.env['PATH'] ?? '',
            TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json'),
            TS_NODE_TRANSPILE_ONLY: '1',
            REDIS_URL: BASE_REDIS_URL,
            REDIS_KEY_PREFIX: stack.redisPrefix,
            APP,
            CHANNEL: CH,
            COUNT: String(COUNT),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (_code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`publisher ended without being killed: ${err}`));
        const events = out
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as StoredEvent);
        resolve({ events, signal });
      });
    });

  it('stores exactly the events whose hand-off never happened, once, through the sweeper', async () => {
    const { events, signal } = await publishThenDie();
    expect(signal).toBe('SIGKILL');
    expect(events.map((e) => e.offset).sort((a, b) => a - b)).toEqual(
      Array.from({ length: COUNT }, (_, i) => i + 1),
    );
    const keys = redisKeys(stack.redisPrefix);
    // Nothing was handed off: no queue job, nothing stored; the window holds the acked events.
    expect(await fx.storedEvents(APP, CH)).toEqual([]);
    expect(await redis.llen(keys.streamWindow(APP, CH))).toBe(COUNT);

    const writer = await stack.startService('persistence-writer');
    await eventually(
      async () => (await fx.storedEvents(APP, CH)).length === COUNT,
      'the sweeper re-sent every event and the writer stored it',
      30_000,
    );
    const stored = await fx.storedEvents(APP, CH);
    const byOffset = new Map(events.map((e) => [e.offset, e]));
    expect(stored).toEqual(
      [...byOffset.values()]
        .sort((a, b) => a.offset - b.offset)
        .map((e) => ({ offset: e.offset, id: e.id, payload: e.payload })),
    );
    const dead = await fx.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters');
    expect(dead[0].n).toBe(0);
    // The watermark caught up and the channel leaves the outbox index.
    await eventually(
      async () => (await redis.hget(keys.streamMeta(APP, CH), 'durable')) === String(COUNT),
      'durable watermark at the top',
    );
    await eventually(async () => (await redis.zcard(keys.outboxIndex())) === 0, 'outbox index empty', 10_000);
    const metrics = await (await fetch(`${writer.url}/metrics`)).text();
    const resent = /^channels_writer_outbox_resent_events_total (\d+)$/m.exec(metrics);
    expect(Number(resent?.[1])).toBeGreaterThanOrEqual(COUNT);
  });
});
