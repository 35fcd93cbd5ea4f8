import { call, collect, connectClient, eventually, Fixtures, Stack } from '@channels/testing';
import { io, type Socket } from 'socket.io-client';

/** Operations (issue: gateway §7): Prometheus metrics, and a graceful drain on SIGTERM. */
describe('SIGTERM drain and metrics', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 1,
    presences: 0,
    serviceEnv: { gateway: { DRAIN_WINDOW_MS: '1500', DRAIN_BATCH_SIZE: '5' } },
  });
  let fx: Fixtures;
  const sockets: Socket[] = [];
  const APP = 'ops';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, 'pub', { persistent: true });
    await fx.channel(APP, 'priv', { persistent: true, private: true });
    await fx.member(APP, 'priv', 'm');
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  it('exposes connection, subscription, event, latency and channelize metrics', async () => {
    const a = await connectClient(stack.url('gateway', 0), {
      token: stack.clientToken(APP, 'm'),
      appID: APP,
    });
    sockets.push(a.socket);
    await call(a.socket, 'subscribe', { channels: ['pub', 'priv'] });
    await call(a.socket, 'publish', { channelID: 'pub', eventType: 't', payload: 1 });
    const metric = async (name: string) => {
      const text = await (await fetch(`${stack.url('gateway', 0)}/metrics`)).text();
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    expect(await metric('channels_gateway_connections')).toBe(1);
    expect(await metric('channels_gateway_transport_connections\\{transport="socket.io"\\}')).toBe(1);
    expect(await metric('channels_gateway_subscriptions')).toBe(2);
    expect(await metric('channels_gateway_events_in_total')).toBe(1);
    expect(await metric('channels_gateway_publish_ack_seconds_count')).toBe(1);
    // The publisher's own connection is a subscriber: one delivery, counted on its gateway.
    await eventually(
      async () => (await metric('channels_gateway_events_out_total')) === 1,
      'the delivery counted',
      10_000,
    );
    expect(await metric('channels_gateway_outbound_buffer_drops_total')).toBe(0);
    await eventually(
      async () => (await metric('subscribed_channels_storage_length')) === 2,
      'channelize gauges refreshed',
      10_000,
    );
    expect(await metric('open_connections')).toBe(1);
    expect(await metric('private_connections')).toBe(1);
    expect(await metric('open_connections_storage_length')).toBe(1);
    expect(await metric('private_connections_storage_length')).toBe(1);
  });

  it('on SIGTERM goes unready, refuses new connections, and moves clients to other gateways', async () => {
    const victim = stack.all('gateway')[1];
    const survivor = stack.all('gateway')[0];
    const clients: Socket[] = [];
    const readyCounts: number[] = [];
    for (let i = 0; i < 12; i++) {
      // Clients that reconnect to the survivor once dropped (what a front door does for them).
      const s = io(victim.url, {
        auth: { token: stack.clientToken(APP, `d${i}`), appID: APP },
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
      });
      s.io.on('reconnect_attempt', () => {
        (s.io as unknown as { uri: string }).uri = survivor.url;
      });
      readyCounts.push(0);
      s.on('ready', () => readyCounts[i]++);
      clients.push(s);
      sockets.push(s);
    }
    await eventually(() => readyCounts.every((n) => n === 1), 'all connected to the victim');
    const drained = collect(clients[0], 'disconnect');
    const exit = stack.terminate(victim);
    await eventually(
      async () => (await fetch(`${victim.url}/health/ready`).catch(() => null))?.status !== 200,
      'victim unready',
    );
    await expect(
      connectClient(victim.url, { token: stack.clientToken(APP, 'late'), appID: APP }),
    ).rejects.toBeDefined();
    expect([0, null]).toContain(await exit); // clean exit (Nest re-raises the signal after closing)
    await eventually(
      () => readyCounts.every((n) => n === 2),
      'every client reconnected to the survivor',
      15_000,
    );
    expect(drained.length).toBeGreaterThanOrEqual(1);
    const r = await call(clients[3], 'subscribe', { channels: ['pub'] });
    expect(r).toMatchObject({ ok: true });
  });
});
