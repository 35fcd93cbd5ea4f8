import { eventually, sleep, Stack } from '@channels/testing';
import { TRANSPORTS, type TransportName, waitForItem } from './support/realtime-driver';
import { World } from './support/world';

const MAX_PAYLOAD_BYTES = 1_024;
const RATE_PER_SEC = 2;
const BURST = 5;
const MAX_CHANNELS = 3;
const MAX_OUTBOUND_BUFFER_BYTES = 65_536;

/** A counter or gauge of the gateway's /metrics. */
async function metric(gatewayUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

const tag = (t: TransportName) => (t === 'socket.io' ? 'sio' : 'opt');

/**
 * The gateway's limits hold the same over socket.io and `/optimized` (a refusal is `ok: false` /
 * `ACK status:false`): the payload size cap, the per-client publish rate (one bucket for all of a
 * client's connections on a gateway, whatever their transport) and the channels per connection.
 */
describe('limits over socket.io and /optimized', () => {
  const stack = new Stack({
    gateways: 1,
    writers: 0,
    presences: 0,
    serviceEnv: {
      gateway: {
        MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
        PUBLISH_RATE_PER_SEC: String(RATE_PER_SEC),
        PUBLISH_RATE_BURST: String(BURST),
        MAX_CHANNELS_PER_CONNECTION: String(MAX_CHANNELS),
        MAX_OUTBOUND_BUFFER_BYTES: String(MAX_OUTBOUND_BUFFER_BYTES),
      },
    },
  });
  let world: World;

  beforeAll(async () => {
    await stack.start();
    world = new World(stack, 'limits');
    await world.setup([]);
    for (const c of ['c1', 'c2', 'c3', 'c4', 'flood-sio', 'flood-opt']) await world.createChannel(c);
  }, 120_000);

  afterAll(async () => {
    await world?.closeAll();
    await stack.stop();
  });

  describe.each(TRANSPORTS)('over %s', (t) => {
    it('refuses a payload over MAX_PAYLOAD_BYTES and accepts one under it; the connection goes on', async () => {
      const c = await world.subscriber(t, 0, `size-${tag(t)}`, ['c1']);
      // A string payload counts as its JSON text: its length plus the two quotes.
      const fits = 'f'.repeat(MAX_PAYLOAD_BYTES - 2);
      const tooBig = 'x'.repeat(MAX_PAYLOAD_BYTES - 1);
      expect(await c.publish('c1', 'big', tooBig, { acked: true })).toBe(false);
      expect(await c.publish('c1', 'big', fits, { acked: true })).toBe(true);
      // Not acked: refused silently, never delivered.
      await c.publish('c1', 'big', tooBig, { acked: false });
      expect(await c.publish('c1', 'small', 'after', { acked: true })).toBe(true);
      await waitForItem(c.events, (e) => e.payload === 'after', 'the last event');
      expect(c.payloads('c1')).toEqual([fits, 'after']);
      expect(c.isOpen).toBe(true);
    });

    it('rate-limits one client’s publishes, shared by its connections over both transports; other clients are unaffected', async () => {
      const clientID = `burst-${tag(t)}`;
      const first = await world.connect(t, 0, clientID);
      const second = await world.connect(t === 'socket.io' ? 'optimized' : 'socket.io', 0, clientID);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => first.publish('c2', 'r', `burst ${i}`, { acked: true })),
      );
      const accepted = results.filter((r) => r === true).length;
      // The burst, plus what refilled while they were handled.
      expect(accepted).toBeGreaterThanOrEqual(BURST);
      expect(accepted).toBeLessThanOrEqual(BURST + 2);
      expect(results.filter((r) => r === false)).toHaveLength(12 - accepted);
      // The same client's other connection, over the other transport, drew from the same bucket.
      expect(await second.publish('c2', 'r', 'from the other transport', { acked: true })).toBe(false);
      // Another client is not limited.
      const calm = await world.connect(t, 0, `calm-${tag(t)}`);
      expect(await calm.publish('c2', 'r', 'calm', { acked: true })).toBe(true);
      // The bucket refills at the configured rate.
      await sleep(1_000 / RATE_PER_SEC + 100);
      expect(await second.publish('c2', 'r', 'refilled', { acked: true })).toBe(true);
    });

    it(`caps one connection at MAX_CHANNELS_PER_CONNECTION (${MAX_CHANNELS}) channels`, async () => {
      const c = await world.connect(t, 0, `many-${tag(t)}`);
      const oks = [];
      for (const ch of ['c1', 'c2', 'c3', 'c4']) oks.push(await c.subscribe(ch));
      expect(oks).toEqual([true, true, true, false]);
      // Another connection of the same client has its own count.
      const other = await world.connect(t, 0, `many-${tag(t)}`);
      expect(await other.subscribe('c4')).toBe(true);
      // The refused channel's events do not reach the capped connection.
      await world.httpPublish('c4', 'x', 'to c4');
      await waitForItem(other.events, (e) => e.payload === 'to c4', 'the event on c4');
      await sleep(200);
      expect(c.payloads('c4')).toEqual([]);
    });

    it('disconnects a consumer that stops reading, at once and once, instead of buffering without bound', async () => {
      const gw = stack.url('gateway', 0);
      const channel = `flood-${tag(t)}`;
      const slow = await world.subscriber(t, 0, `slow-${tag(t)}`, [channel]);
      const watcher = await world.subscriber(
        t === 'socket.io' ? 'optimized' : 'socket.io',
        0,
        `watch-${tag(t)}`,
        [channel],
      );
      const drops = await metric(gw, 'channels_gateway_outbound_buffer_drops_total');
      const connections = await metric(gw, 'channels_gateway_connections');
      slow.stopReading();
      // 60 KB events over HTTP (the gateway's own publish limits do not apply) until it is dropped.
      const chunk = 'y'.repeat(60_000);
      let published = 0;
      while ((await metric(gw, 'channels_gateway_outbound_buffer_drops_total')) === drops) {
        expect(published).toBeLessThan(1_000); // 60 MB: far past any socket buffer
        await Promise.all(Array.from({ length: 20 }, () => world.httpPublish(channel, 'flood', chunk)));
        published += 20;
      }
      const droppedAt = Date.now();
      // Dropped means gone: the connection no longer counts on the gateway, promptly.
      await eventually(
        async () => (await metric(gw, 'channels_gateway_connections')) === connections - 1,
        'the slow connection gone from the gateway',
        3_000,
      );
      const goneAfter = Date.now() - droppedAt;
      await sleep(1_000);
      expect(await metric(gw, 'channels_gateway_outbound_buffer_drops_total')).toBe(drops + 1);
      // The reader on the other transport got every event.
      await eventually(() => watcher.events.length === published, 'the watcher got every event', 20_000);
      expect(watcher.isOpen).toBe(true);
      expect(goneAfter).toBeLessThan(3_000);
    });
  });
});
