/**
 * Hot-window reads with and without the in-process window mirror, at the broker level (no HTTP):
 * a recovery of 1,000 events (after offset 0) and the newest 300, each 1,000 times in a row.
 *
 *   node -r ./bench/writer/ts-register.cjs bench/history/window-mirror-probe.ts
 *
 * Uses its own Redis key prefix (BENCH_REDIS_URL or TEST_REDIS_URL, default local DB 0) and
 * removes it at the end.
 */
import { redisKeys } from '@channels/contracts';
import { FakeStreamSource, RedisBroker } from '@channels/realtime';
import { WindowMirror } from '@channels/messaging';
import Redis from 'ioredis';

async function main() {
  const redis = new Redis(
    process.env['BENCH_REDIS_URL'] ?? process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0',
  );
  const prefix = `bench:mirror:${process.pid}:`;
  const source = new FakeStreamSource();
  source.open('app', 'ch');
  const broker = new RedisBroker(redis, source, {
    keys: redisKeys(prefix),
    windowSize: 1000,
    idempotencyTtlSeconds: 300,
  });
  for (let i = 0; i < 1000; i++)
    await broker.publish({
      appID: 'app',
      channelID: 'ch',
      eventType: 'chat',
      payload: { text: `message number ${i} with some words`, n: i },
      senderID: `user-${i % 50}`,
      store: true,
    });
  const mirror = new WindowMirror(broker, 64 * 1048576);
  const run = async (label: string, read: () => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await read();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const N = 1000;
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = process.hrtime.bigint();
      await read();
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e6 / N;
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    console.log(
      `${label}: p50 ${times[N / 2].toFixed(3)} ms, p99 ${times[Math.floor(N * 0.99)].toFixed(3)} ms, mean ${wall.toFixed(3)} ms, Node CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(3)} ms per read`,
    );
  };
  for (let round = 0; round < 2; round++) {
    await run('recovery of 1000 (after offset 0), direct', () => broker.readWindowText('app', 'ch', 0, 1001));
    await run('recovery of 1000 (after offset 0), mirror', () => mirror.readWindowText('app', 'ch', 0, 1001));
    await run('last 300, direct', () => broker.readWindowText('app', 'ch', -1, 300));
    await run('last 300, mirror', () => mirror.readWindowText('app', 'ch', -1, 300));
  }
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
void main();
