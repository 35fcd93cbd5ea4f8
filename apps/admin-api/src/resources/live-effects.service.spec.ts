import type { ChannelDirectory, ChannelGateService, TokenRevocations } from '@channels/messaging';
import {
  type Broker,
  InMemoryControlBus,
  type PresenceTracker,
  type WebhookEmitter,
} from '@channels/realtime';
import { LiveEffects } from './live-effects.service';

/** Gate and broker fakes that record calls and fail while `down` is set, like an unreachable Redis. */
function fakes() {
  const state = { down: false, log: [] as string[] };
  const fail = () => {
    if (state.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
  };
  const gates = {
    sync: async (appID: string, channelID: string) => {
      fail();
      state.log.push(`gate ${appID}/${channelID}`);
    },
  } as unknown as ChannelGateService;
  const broker = {
    dropStream: async (appID: string, channelID: string) => {
      fail();
      state.log.push(`drop ${appID}/${channelID}`);
    },
  } as unknown as Broker;
  const bus = new InMemoryControlBus();
  const realPublish = bus.publish.bind(bus);
  bus.publish = async (m) => {
    fail();
    state.log.push(`control ${m.type}`);
    await realPublish(m);
  };
  const directory = {
    invalidateChannel: (appID: string, channelID: string) => state.log.push(`forget ${appID}/${channelID}`),
    invalidateMember: () => undefined,
    invalidateClient: () => undefined,
    invalidateApp: () => undefined,
  } as unknown as ChannelDirectory;
  const revocations = {
    invalidateClient: () => undefined,
    invalidateApp: () => undefined,
  } as unknown as TokenRevocations;
  const presence = {
    forgetChannel: async (appID: string, channelID: string) => {
      fail();
      state.log.push(`forget presence ${appID}/${channelID}`);
    },
  } as unknown as PresenceTracker;
  const webhooks = {
    emit: async (appID: string, type: string, subject: { channelID?: string; clientID?: string }) => {
      fail();
      state.log.push(`webhook ${type} ${appID}/${subject.channelID}/${subject.clientID}`);
      return { id: 'x', sequence: 1 };
    },
  } as unknown as WebhookEmitter;
  return {
    state,
    effects: new LiveEffects(gates, directory, broker, bus, revocations, presence, webhooks),
    bus,
  };
}

const waitFor = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('LiveEffects', () => {
  it('applies effects in order and reports them applied', async () => {
    const { state, effects } = fakes();
    const applied = await effects.apply([
      { kind: 'gate', appID: 'a', channelID: 'c' },
      { kind: 'drop_stream', appID: 'a', channelID: 'c' },
      { kind: 'control', message: { type: 'channel_deleted', appID: 'a', channelID: 'c' } },
    ]);
    expect(applied).toBe(true);
    expect(state.log).toEqual([
      'forget a/c',
      'forget a/c',
      'forget a/c',
      'gate a/c',
      'drop a/c',
      'control channel_deleted',
    ]);
    effects.onModuleDestroy();
  });

  it('defers what Redis refused and applies it, in order, once Redis answers again', async () => {
    const { state, effects } = fakes();
    state.down = true;
    const applied = await effects.apply([
      { kind: 'gate', appID: 'a', channelID: 'c' },
      { kind: 'control', message: { type: 'channel_closed', appID: 'a', channelID: 'c' } },
    ]);
    expect(applied).toBe(false);
    // A later change queues behind the earlier ones instead of overtaking them.
    expect(
      await effects.apply([
        { kind: 'control', message: { type: 'channel_opened', appID: 'a', channelID: 'c' } },
      ]),
    ).toBe(false);
    expect(effects.backlog).toBe(3);
    state.down = false;
    await waitFor(() => effects.backlog === 0);
    expect(state.log.filter((l) => !l.startsWith('forget'))).toEqual([
      'gate a/c',
      'control channel_closed',
      'control channel_opened',
    ]);
    effects.onModuleDestroy();
  });

  it('queues webhooks behind the control messages, and keeps them through an outage', async () => {
    const { state, effects } = fakes();
    state.down = true;
    const applied = await effects.apply([
      {
        kind: 'control',
        message: { type: 'member_added', appID: 'a', channelID: 'c', clientID: 'u', presence: false },
      },
      { kind: 'webhook', appID: 'a', type: 'member_added', subject: { channelID: 'c', clientID: 'u' } },
    ]);
    expect(applied).toBe(false);
    expect(state.log).toEqual([]);
    state.down = false;
    await waitFor(() => state.log.length === 2);
    expect(state.log).toEqual(['control member_added', 'webhook member_added a/c/u']);
    effects.onModuleDestroy();
  });
});
