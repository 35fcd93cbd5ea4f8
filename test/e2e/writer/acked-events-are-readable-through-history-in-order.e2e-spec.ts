import { call, connectClient, Fixtures, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { until } from './writer-harness';

type Ack = { ok: boolean; id: string; offset: number };
type History = { ok: boolean; events: { id: string; offset: number; payload: unknown }[] };

/**
 * Ordering and visibility: an acked event is readable through history at once — from the Redis
 * hot window while the writer has not stored it, from Postgres once the window moved on — in
 * offset order, without gap or duplicate.
 */
describe('acked events through history', () => {
  const stack = new Stack({
    gateways: 1,
    writers: 0,
    presences: 0,
    adminApi: false,
    serviceEnv: { gateway: { HOT_WINDOW_SIZE: '100' } },
  });
  const APP = 'history-app';
  let fx: Fixtures;
  let socket: Socket;
  const acks: Ack[] = [];

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.client(APP, 'alice');
    await fx.channel(APP, 'log', { persistent: true });
    socket = (
      await connectClient(stack.url('gateway'), { token: stack.clientToken(APP, 'alice'), appID: APP })
    ).socket;
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    await fx?.close();
    await stack.stop();
  });

  const publish = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const ack = await call<Ack>(socket, 'publish', {
        channelID: 'log',
        eventType: 'line',
        payload: { i: acks.length },
      });
      expect(ack.ok).toBe(true);
      acks.push(ack);
    }
  };
  const history = (req: Record<string, unknown>) =>
    call<History>(socket, 'history', { channelID: 'log', ...req });
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('serves acked events from the window before the writer stored them', async () => {
    await publish(80);
    expect((await fx.storedEvents(APP, 'log')).length).toBe(0);
    const h = await history({ sinceOffset: 0, order: 'asc', limit: 1000 });
    expect(h.events.map((e) => e.offset)).toEqual(range(1, 80));
    expect(h.events.map((e) => e.id)).toEqual(acks.map((a) => a.id));
  });

  it('serves older events from Postgres and newer ones from the window, in order, once each', async () => {
    await stack.startService('persistence-writer');
    await until(
      'the writer stored the first 80',
      async () => (await fx.storedEvents(APP, 'log')).length === 80,
    );
    // 160 events, the window holds the newest 100: 1..60 can only come from Postgres.
    await publish(80);
    const asc = await history({ sinceOffset: 0, order: 'asc', limit: 1000 });
    expect(asc.events.map((e) => e.offset)).toEqual(range(1, 160));
    expect(asc.events.map((e) => e.id)).toEqual(acks.map((a) => a.id));
    expect(asc.events[10].payload).toEqual({ i: 10 });
    const desc = await history({ limit: 150 });
    expect(desc.events.map((e) => e.offset)).toEqual(range(11, 160).reverse());

    await until('the writer stored all 160', async () => (await fx.storedEvents(APP, 'log')).length === 160);
    const stored = await fx.storedEvents(APP, 'log');
    expect(stored.map((e) => [e.offset, e.id])).toEqual(acks.map((a) => [a.offset, a.id]));
  });
});
