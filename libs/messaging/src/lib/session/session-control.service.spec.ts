import { Logger } from '@nestjs/common';
import { channelRoom, ChannelsError, ErrorCode, Role } from '@channels/contracts';
import { InMemoryChannelFeed, InMemoryControlBus } from '@channels/realtime';
import type { ChannelAccess } from '../channel-access.service';
import type { ChannelDirectory } from '../channel-directory.service';
import type { TokenRevocations } from '../token-revocations.service';
import { ChannelHub } from './channel-hub';
import type { KnownApps } from './known-apps.service';
import type { RealtimeCore } from './realtime-core.service';
import { recordingSession } from './recording-session.testing';
import type { Session } from './session';
import { SessionControl } from './session-control.service';

/** A session with a transport that records what it was sent and how it was closed. */
const member = (appID: string, clientID: string, role: string, channels: string[]) => {
  const m = recordingSession({ appID, clientID, role });
  for (const ch of channels) m.session.channels.add(ch);
  return m;
};

/** The gateway's hub with these sessions registered and in the rooms of their channels. */
const hubOf = async (sessions: Session[]) => {
  const hub = new ChannelHub(new InMemoryChannelFeed(), []);
  for (const s of sessions) {
    hub.add(s);
    for (const ch of s.channels) await hub.join(channelRoom(s.appID, ch), s);
  }
  return hub;
};

const coreFake = () => ({
  leave: jest.fn(async (s: Session, channelID: string) => s.channels.delete(channelID)),
  startPresence: jest.fn(async () => undefined),
  stopPresence: jest.fn(async () => undefined),
});

const setup = async (sessions: Session[], deny: Record<string, Error>, deletedApps: string[] = []) => {
  const bus = new InMemoryControlBus();
  const directory = { invalidateAll: jest.fn() } as unknown as ChannelDirectory;
  const apps = {
    forget: jest.fn(),
    stillExists: async (appID: string) => {
      if (appID === 'unreachable') throw new Error('database down');
      return !deletedApps.includes(appID);
    },
  } as unknown as KnownApps;
  const access = {
    require: jest.fn(async (_p: unknown, _app: string, channelID: string) => {
      if (deny[channelID]) throw deny[channelID];
      return {};
    }),
  } as unknown as ChannelAccess;
  const revocations = {
    invalidateAll: jest.fn(),
    check: jest.fn(async (t: { principal: { clientID: string } }) => {
      if (t.principal.clientID === 'deleted-client')
        throw new ChannelsError(ErrorCode.Unauthorized, 'token revoked');
    }),
  } as unknown as TokenRevocations;
  const hub = await hubOf(sessions);
  const handler = new SessionControl(
    bus,
    hub,
    coreFake() as unknown as RealtimeCore,
    apps,
    directory,
    access,
    revocations,
  );
  return { bus, directory, handler, revocations };
};

describe('SessionControl', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('re-checks cached settings and subscriptions when its control subscription comes back', async () => {
    const a = member('app', 'c', Role.Client, ['open', 'private', 'gone', 'flaky']);
    const other = member('deleted-app', 'c', Role.Client, ['open']);
    const far = member('unreachable', 'c', Role.Client, ['open']);
    const { bus, directory, handler } = await setup(
      [a.session, other.session, far.session],
      {
        private: new ChannelsError(ErrorCode.Forbidden, 'not a member'),
        gone: new ChannelsError(ErrorCode.NotFound, 'no such channel'),
        flaky: new Error('connection refused'),
      },
      ['deleted-app'],
    );
    await handler.onApplicationBootstrap();
    expect(directory.invalidateAll).not.toHaveBeenCalled();

    bus.simulateReconnect();
    await handler.reconciling;
    expect(directory.invalidateAll).toHaveBeenCalledTimes(1);
    // Access taken away: told and unsubscribed; an unreachable database proves nothing.
    expect(a.sent).toEqual([
      ['remove_channel', { channelID: 'private' }],
      ['remove_channel', { channelID: 'gone' }],
    ]);
    expect([...a.session.channels]).toEqual(['open', 'flaky']);
    expect(a.close).not.toHaveBeenCalled();
    // The app is gone: its connections are closed.
    expect(other.close).toHaveBeenCalledWith('disconnect');
    expect(far.close).not.toHaveBeenCalled();

    await handler.onApplicationShutdown();
    bus.simulateReconnect();
    await handler.reconciling;
    expect(directory.invalidateAll).toHaveBeenCalledTimes(1);
  });
});

describe('SessionControl reconcile: revoked tokens', () => {
  it('closes connections whose token was revoked while its control subscription was down', async () => {
    const kept = member('app', 'c', Role.Client, ['open']);
    const revoked = member('app', 'deleted-client', Role.Client, ['open']);
    const { bus, handler, revocations } = await setup([kept.session, revoked.session], {});
    await handler.onApplicationBootstrap();
    bus.simulateReconnect();
    await handler.reconciling;
    expect(revocations.invalidateAll).toHaveBeenCalledTimes(1);
    expect(revoked.close).toHaveBeenCalledWith('disconnect');
    expect(kept.close).not.toHaveBeenCalled();
    await handler.onApplicationShutdown();
  });
});

const handlerWith = async (sessions: Session[], members: string[]) => {
  const core = coreFake();
  const directory = { invalidateChannel: jest.fn(), invalidateAll: jest.fn() } as unknown as ChannelDirectory;
  const access = {
    require: jest.fn(async (p: { clientID: string }, _app: string, channelID: string) => {
      if (!members.includes(p.clientID))
        throw new ChannelsError(ErrorCode.Forbidden, `not a member of ${channelID}`);
      return {};
    }),
  } as unknown as ChannelAccess;
  const revocations = { invalidateAll: jest.fn() } as unknown as TokenRevocations;
  const handler = new SessionControl(
    new InMemoryControlBus(),
    await hubOf(sessions),
    core as unknown as RealtimeCore,
    {} as KnownApps,
    directory,
    access,
    revocations,
  );
  return { handler, subscriptions: core };
};

describe('SessionControl: channel changes on live connections', () => {
  it('tells each member device and each subscriber of a deleted channel once, across chunks', async () => {
    const subscribedMember = member('app', 'alice', Role.Client, ['ch']);
    const idleMember = member('app', 'alice', Role.Client, []);
    const laterChunkMember = member('app', 'zed', Role.Client, ['ch']);
    const subscribedAdmin = member('app', 'admin', Role.Admin, ['ch']);
    const outsider = member('app', 'carol', Role.Client, ['other']);
    const { handler, subscriptions } = await handlerWith(
      [subscribedMember, idleMember, laterChunkMember, subscribedAdmin, outsider].map((m) => m.session),
      [],
    );

    await handler.apply({
      type: 'channel_deleted',
      appID: 'app',
      channelID: 'ch',
      members: ['zed'],
      more: true,
    });
    await handler.apply({ type: 'channel_deleted', appID: 'app', channelID: 'ch', members: ['alice'] });

    const told = [['remove_channel', { channelID: 'ch' }]];
    expect(subscribedMember.sent).toEqual(told);
    expect(idleMember.sent).toEqual(told);
    expect(laterChunkMember.sent).toEqual(told);
    expect(subscribedAdmin.sent).toEqual(told);
    expect(outsider.sent).toEqual([]);
    expect(subscriptions.leave).toHaveBeenCalledTimes(4);
    expect([...laterChunkMember.session.channels]).toEqual([]);
  });

  it('ends the subscriptions of non-members when a channel turns private; members and admins keep theirs', async () => {
    const alice = member('app', 'alice', Role.Client, ['ch']);
    const bob = member('app', 'bob', Role.Client, ['ch']);
    const adm = member('app', 'admin', Role.Admin, ['ch']);
    const { handler, subscriptions } = await handlerWith(
      [alice, bob, adm].map((m) => m.session),
      ['alice'],
    );

    await handler.apply({
      type: 'channel_updated',
      appID: 'app',
      channelID: 'ch',
      changed: { private: true },
    });

    expect(bob.sent).toEqual([['remove_channel', { channelID: 'ch' }]]);
    expect(alice.sent).toEqual([]);
    expect(adm.sent).toEqual([]);
    expect([...bob.session.channels]).toEqual([]);
    expect(subscriptions.leave).toHaveBeenCalledTimes(1);
  });

  it('registers or drops the presence of every subscriber when presence is turned on or off', async () => {
    const a = member('app', 'alice', Role.Client, ['ch']);
    const b = member('app', 'bob', Role.Client, ['ch']);
    const { handler, subscriptions } = await handlerWith([a.session, b.session], []);

    await handler.apply({
      type: 'channel_updated',
      appID: 'app',
      channelID: 'ch',
      changed: { presence: true },
    });
    expect(subscriptions.startPresence.mock.calls.map((c) => (c as unknown[])[0])).toEqual([
      a.session,
      b.session,
    ]);
    await handler.apply({
      type: 'channel_updated',
      appID: 'app',
      channelID: 'ch',
      changed: { presence: false },
    });
    expect(subscriptions.stopPresence).toHaveBeenCalledTimes(2);
    // A change that touches neither (a rename) leaves subscriptions alone.
    await handler.apply({ type: 'channel_updated', appID: 'app', channelID: 'ch', changed: {} });
    expect(subscriptions.startPresence).toHaveBeenCalledTimes(2);
    expect(subscriptions.leave).not.toHaveBeenCalled();
  });
});
