import { redisKeys } from '@channels/contracts';
import { controlConnectionName } from '@channels/realtime';
import {
  call,
  collect,
  connectClient,
  eventually,
  Fixtures,
  killSubscriberConnection,
  sleep,
  Stack,
} from '@channels/testing';
import type { Socket } from 'socket.io-client';

/**
 * Admin changes reach gateways as Redis pub/sub control messages; one published while a gateway's
 * control subscription is down is lost. When the subscription comes back the gateway re-checks
 * every local subscription, so a lost removal still takes effect.
 */
describe('a gateway whose control subscription drops and comes back', () => {
  const stack = new Stack({ gateways: 1, adminApi: false, writers: 0, presences: 0 });
  const APP = 'outage';
  let fx: Fixtures;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.client(APP, 'alice');
    await fx.channel(APP, 'news');
    await fx.channel(APP, 'temp');
    await fx.channel(APP, 'vault', { private: true });
    await fx.member(APP, 'vault', 'alice');
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  it('ends the subscriptions that changes made meanwhile took away, and keeps the others', async () => {
    const { socket } = await connectClient(stack.url('gateway', 0), {
      token: stack.clientToken(APP, 'alice'),
      appID: APP,
    });
    sockets.push(socket);
    const ack = await call<{ results: Record<string, { ok: boolean }> }>(socket, 'subscribe', {
      channels: ['news', 'temp', 'vault'],
    });
    expect(Object.values(ack.results).map((r) => r.ok)).toEqual([true, true, true]);

    // Changes no control message announces (as if their messages were lost): the gateway still
    // trusts what it cached.
    await fx.query('DELETE FROM memberships WHERE app_id = $1 AND channel_id = $2', [APP, 'vault']);
    await fx.query('DELETE FROM channels WHERE app_id = $1 AND id = $2', [APP, 'temp']);
    const removed = collect<{ channelID: string }>(socket, 'remove_channel');
    const events = collect<{ channelID: string; payload: unknown }>(socket, 'event');
    await sleep(300);
    expect(removed).toEqual([]);

    // The gateway's control subscription dropped from the server side; ioredis reconnects it.
    await killSubscriberConnection(controlConnectionName(redisKeys(stack.redisPrefix).controlChannel()));
    await eventually(() => removed.length === 2, 'remove_channel for the two lost subscriptions');
    expect(removed.map((r) => r.channelID).sort()).toEqual(['temp', 'vault']);

    // Still subscribed to the channel nothing changed; no longer to the private one.
    await call(socket, 'publish', { channelID: 'news', eventType: 't', payload: 'still here' });
    await eventually(() => events.length === 1, 'the event on the kept subscription');
    expect(events[0]).toMatchObject({ channelID: 'news', payload: 'still here' });
    const again = await call<{ results: Record<string, unknown> }>(socket, 'subscribe', {
      channels: ['vault'],
    });
    expect(again.results['vault']).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
