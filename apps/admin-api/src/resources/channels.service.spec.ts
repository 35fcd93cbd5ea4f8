import { type Channel, type Principal, Role } from '@channels/contracts';
import type { AppRepository, ChannelRepository } from '@channels/db';
import { ChannelsService } from './channels.service';
import type { LiveEffect, LiveEffects } from './live-effects.service';

const admin: Principal = { role: Role.Admin, clientID: 'admin', appID: 'app' };
const channel = (over: Partial<Channel> = {}): Channel => ({
  appID: 'app',
  channelID: 'ch',
  name: '',
  persistent: false,
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
  ...over,
});

const setup = (before: Channel, members: string[] | null = []) => {
  const applied: LiveEffect[] = [];
  const repo = {
    find: async () => before,
    update: async (_a: string, _c: string, changes: Partial<Channel>) => ({ ...before, ...changes }),
    deleteReturningMembers: async () => members,
  } as unknown as ChannelRepository;
  const effects = {
    apply: async (e: LiveEffect[]) => {
      applied.push(...e);
      return true;
    },
  } as unknown as LiveEffects;
  return { service: new ChannelsService({} as AppRepository, repo, effects), applied };
};

describe('ChannelsService live effects', () => {
  it('says in channel_updated which settings changed, and forgets presence when it is turned off', async () => {
    const { service, applied } = setup(channel({ presence: true }));
    await service.update(admin, 'app', 'ch', { private: true, presence: false, name: 'renamed' });
    expect(applied).toEqual([
      { kind: 'gate', appID: 'app', channelID: 'ch' },
      {
        kind: 'control',
        message: {
          type: 'channel_updated',
          appID: 'app',
          channelID: 'ch',
          changed: { private: true, presence: false },
        },
      },
      { kind: 'forget_presence', appID: 'app', channelID: 'ch' },
    ]);
  });

  it('carries the members of a deleted channel in chunks, only the last one without `more`', async () => {
    const members = Array.from({ length: 2_500 }, (_, i) => `m${i}`);
    const { service, applied } = setup(channel(), members);
    await service.delete(admin, 'app', 'ch');
    const messages = applied.flatMap((e) => (e.kind === 'control' ? [e.message] : []));
    expect(
      messages.map((m) => (m.type === 'channel_deleted' ? [m.members?.length, m.more] : m.type)),
    ).toEqual([
      [1_000, true],
      [1_000, true],
      [500, undefined],
    ]);
    expect(messages.flatMap((m) => (m.type === 'channel_deleted' ? (m.members ?? []) : []))).toEqual(members);
    expect(applied.slice(0, 2).map((e) => e.kind)).toEqual(['gate', 'drop_stream']);
  });

  it('announces a deleted channel without members in one message, and an unknown one not at all', async () => {
    const { service, applied } = setup(channel(), []);
    await service.delete(admin, 'app', 'ch');
    expect(applied[2]).toEqual({
      kind: 'control',
      message: { type: 'channel_deleted', appID: 'app', channelID: 'ch', members: [] },
    });
    const gone = setup(channel(), null);
    await expect(gone.service.delete(admin, 'app', 'ch')).rejects.toMatchObject({ code: 'not_found' });
    expect(gone.applied).toEqual([]);
  });
});
