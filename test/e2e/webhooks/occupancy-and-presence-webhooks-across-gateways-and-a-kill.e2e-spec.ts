import { call, connectClient, eventually, sleep } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { PRESENCE_TEST_ENV } from '../presence/support/presence-client';
import { webhookScenario } from './support/webhooks-stack';

/**
 * channel_occupied / channel_vacated are exact across gateways: the first subscriber on any gateway
 * occupies, the last one anywhere vacates — also when the gateway holding it is killed with -9.
 * client_online / client_offline follow the presence transitions subscribers see.
 */
describe('occupancy and presence webhooks across gateways and a kill -9', () => {
  const ctx = webhookScenario('who', { gateways: 2, env: PRESENCE_TEST_ENV });
  const sockets: Socket[] = [];

  const subscriber = async (gw: number, clientID: string, channelID: string) => {
    const { socket } = await connectClient(ctx.stack.url('gateway', gw), {
      token: ctx.stack.clientToken('who', clientID),
      appID: 'who',
    });
    sockets.push(socket);
    const ack = await call<{ ok: boolean }>(socket, 'subscribe', { channels: [channelID] });
    expect(ack.ok).toBe(true);
    return socket;
  };
  const of = (channelID: string) =>
    ctx.receiver.delivered
      .filter((b) => b.channelID === channelID)
      .map((b) => `${b.type}${b.clientID ? `:${b.clientID}` : ''}#${b.sequence}`);

  beforeAll(async () => {
    await ctx.subscribe(['channel_occupied', 'channel_vacated', 'client_online', 'client_offline']);
    await ctx.fx.channel('who', 'room');
    await ctx.fx.channel('who', 'lobby', { presence: true });
  });
  afterAll(() => {
    for (const s of sockets) s.close();
  });

  it('occupies with the first subscriber anywhere and vacates with the last, across two gateways', async () => {
    const a = await subscriber(0, 'ann', 'room');
    await eventually(() => of('room').length === 1, 'occupied');
    const b = await subscriber(1, 'bob', 'room');
    await call(a, 'unsubscribe', { channels: ['room'] });
    await sleep(500);
    expect(of('room')).toEqual(['channel_occupied#1']); // bob still holds it on the other gateway
    b.close();
    await eventually(() => of('room').length === 2, 'vacated');
    expect(of('room')).toEqual(['channel_occupied#1', 'channel_vacated#2']);
  });

  it('vacates the channels whose last subscribers were on a gateway killed with -9, and announces them offline', async () => {
    await subscriber(0, 'cat', 'lobby');
    await subscriber(1, 'dan', 'lobby');
    await eventually(
      () => of('lobby').filter((t) => t.startsWith('client_online')).length === 2,
      'both online',
    );
    expect(of('lobby')[0]).toBe('channel_occupied#1');
    await ctx.fx.channel('who', 'solo');
    await subscriber(1, 'dan', 'solo');
    await eventually(() => of('solo').length === 1, 'solo occupied');

    ctx.stack.kill9(ctx.stack.all('gateway')[1]);
    // dan's only connection was there: the lease expires, then the grace period runs.
    await eventually(() => of('solo').length === 2, 'solo vacated after the kill', 15_000);
    expect(of('solo')).toEqual(['channel_occupied#1', 'channel_vacated#2']);
    await eventually(
      () => of('lobby').includes(`client_offline:dan#${of('lobby').length}`),
      'dan offline',
      15_000,
    );
    await sleep(1_000);
    const lobby = of('lobby');
    // cat still subscribes on the surviving gateway: the lobby stays occupied, and cat online.
    expect(lobby).toHaveLength(4);
    expect(lobby[0]).toBe('channel_occupied#1');
    expect(
      lobby
        .slice(1, 3)
        .map((t) => t.split('#')[0])
        .sort(),
    ).toEqual(['client_online:cat', 'client_online:dan']);
    expect(lobby.slice(1, 3).map((t) => t.split('#')[1])).toEqual(['2', '3']);
    expect(lobby[3]).toBe('client_offline:dan#4');
    expect(ctx.receiver.badSignatures(ctx.apiSecret)).toEqual([]);
  });
});
