import { Logger } from '@nestjs/common';
import { channelRoom, ChannelsError, clientRoom, ErrorCode, Role } from '@channels/contracts';
import type { ChannelAccess, ChannelDirectory, TokenRevocations } from '@channels/messaging';
import { InMemoryControlBus } from '@channels/realtime';
import type { SocketServer } from '../socket/socket-server.service';
import type { ChannelsSocket } from '../socket/socket-types';
import type { SubscriptionService } from '../subscriptions/subscription.service';
import { ControlHandler } from './control-handler.service';

/** A local socket as the handler sees it: its data, what it was sent, whether it was closed. */
const fakeSocket = (appID: string, channels: string[]) => {
  const sent: [string, unknown][] = [];
  const s = {
    connected: true,
    data: { appID, clientID: 'c', principal: { role: 'client', clientID: 'c' }, channels: new Set(channels) },
    emit: (event: string, body: unknown) => sent.push([event, body]),
    disconnect: jest.fn(() => {
      s.connected = false;
    }),
  };
  return { socket: s as unknown as ChannelsSocket & typeof s, sent };
};

const setup = (sockets: ChannelsSocket[], deny: Record<string, Error>, deletedApps: string[] = []) => {
  const bus = new InMemoryControlBus();
  const directory = { invalidateAll: jest.fn() } as unknown as ChannelDirectory;
  const server = {
    localSockets: () => sockets.values(),
    appStillExists: async (appID: string) => {
      if (appID === 'unreachable') throw new Error('database down');
      return !deletedApps.includes(appID);
    },
  } as unknown as SocketServer;
  const subscriptions = {
    leave: jest.fn(async (s: ChannelsSocket, channelID: string) => s.data.channels.delete(channelID)),
  } as unknown as SubscriptionService;
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
  const handler = new ControlHandler(bus, server, subscriptions, directory, access, revocations);
  return { bus, directory, handler, revocations };
};

describe('ControlHandler', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('re-checks cached settings and subscriptions when its control subscription comes back', async () => {
    const a = fakeSocket('app', ['open', 'private', 'gone', 'flaky']);
    const other = fakeSocket('deleted-app', ['open']);
    const far = fakeSocket('unreachable', ['open']);
    const { bus, directory, handler } = setup(
      [a.socket, other.socket, far.socket],
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
    expect([...a.socket.data.channels]).toEqual(['open', 'flaky']);
    expect(a.socket.disconnect).not.toHaveBeenCalled();
    // The app is gone: its connections are closed.
    expect(other.socket.disconnect).toHaveBeenCalledWith(true);
    expect(far.socket.disconnect).not.toHaveBeenCalled();

    await handler.onApplicationShutdown();
    bus.simulateReconnect();
    await handler.reconciling;
    expect(directory.invalidateAll).toHaveBeenCalledTimes(1);
  });
});

describe('ControlHandler reconcile: revoked tokens', () => {
  it('closes connections whose token was revoked while its control subscription was down', async () => {
    const kept = fakeSocket('app', ['open']);
    const revoked = fakeSocket('app', ['open']);
    (revoked.socket.data.principal as { clientID: string }).clientID = 'deleted-client';
    const { bus, handler, revocations } = setup([kept.socket, revoked.socket], {});
    await handler.onApplicationBootstrap();
    bus.simulateReconnect();
    await handler.reconciling;
    expect(revocations.invalidateAll).toHaveBeenCalledTimes(1);
    expect(revoked.socket.disconnect).toHaveBeenCalledWith(true);
    expect(kept.socket.disconnect).not.toHaveBeenCalled();
    await handler.onApplicationShutdown();
  });
});

/** A gateway's local sockets in their rooms, as `socketsOf` reads them from the namespace. */
const localServer = (placed: { socket: ChannelsSocket; rooms: string[] }[]) => {
  const rooms = new Map<string, Set<string>>();
  const byId = new Map<string, ChannelsSocket>();
  for (const { socket, rooms: names } of placed) {
    byId.set(socket.id, socket);
    for (const r of names) {
      if (!rooms.has(r)) rooms.set(r, new Set());
      rooms.get(r)?.add(socket.id);
    }
  }
  const nsp = { adapter: { rooms }, sockets: byId };
  return { server: { of: () => nsp }, localSockets: () => byId.values() } as unknown as SocketServer;
};

const member = (id: string, clientID: string, role: string, channels: string[]) => {
  const sent: [string, unknown][] = [];
  const s = {
    id,
    connected: true,
    data: {
      appID: 'app',
      clientID,
      principal: { role, clientID, appID: 'app' },
      channels: new Set(channels),
      presenceChannels: new Set<string>(),
    },
    emit: (event: string, body: unknown) => sent.push([event, body]),
    disconnect: jest.fn(),
  };
  return { socket: s as unknown as ChannelsSocket, sent };
};

const handlerWith = (server: SocketServer, members: string[]) => {
  const subscriptions = {
    leave: jest.fn(async (s: ChannelsSocket, channelID: string) => s.data.channels.delete(channelID)),
    startPresence: jest.fn(async () => undefined),
    stopPresence: jest.fn(async () => undefined),
  };
  const directory = { invalidateChannel: jest.fn(), invalidateAll: jest.fn() } as unknown as ChannelDirectory;
  const access = {
    require: jest.fn(async (p: { clientID: string }, _app: string, channelID: string) => {
      if (!members.includes(p.clientID))
        throw new ChannelsError(ErrorCode.Forbidden, `not a member of ${channelID}`);
      return {};
    }),
  } as unknown as ChannelAccess;
  const revocations = { invalidateAll: jest.fn() } as unknown as TokenRevocations;
  const handler = new ControlHandler(
    new InMemoryControlBus(),
    server,
    subscriptions as unknown as SubscriptionService,
    directory,
    access,
    revocations,
  );
  return { handler, subscriptions };
};

describe('ControlHandler: channel changes on live connections', () => {
  const room = channelRoom('app', 'ch');

  it('tells each member device and each subscriber of a deleted channel once, across chunks', async () => {
    const subscribedMember = member('s1', 'alice', Role.Client, ['ch']);
    const idleMember = member('s2', 'alice', Role.Client, []);
    const laterChunkMember = member('s3', 'zed', Role.Client, ['ch']);
    const subscribedAdmin = member('s4', 'admin', Role.Admin, ['ch']);
    const outsider = member('s5', 'carol', Role.Client, ['other']);
    const server = localServer([
      { socket: subscribedMember.socket, rooms: [clientRoom('app', 'alice'), room] },
      { socket: idleMember.socket, rooms: [clientRoom('app', 'alice')] },
      { socket: laterChunkMember.socket, rooms: [clientRoom('app', 'zed'), room] },
      { socket: subscribedAdmin.socket, rooms: [clientRoom('app', 'admin'), room] },
      { socket: outsider.socket, rooms: [clientRoom('app', 'carol')] },
    ]);
    const { handler, subscriptions } = handlerWith(server, []);

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
    expect([...laterChunkMember.socket.data.channels]).toEqual([]);
  });

  it('ends the subscriptions of non-members when a channel turns private; members and admins keep theirs', async () => {
    const alice = member('s1', 'alice', Role.Client, ['ch']);
    const bob = member('s2', 'bob', Role.Client, ['ch']);
    const adm = member('s3', 'admin', Role.Admin, ['ch']);
    const server = localServer([alice, bob, adm].map((m) => ({ socket: m.socket, rooms: [room] })));
    const { handler, subscriptions } = handlerWith(server, ['alice']);

    await handler.apply({
      type: 'channel_updated',
      appID: 'app',
      channelID: 'ch',
      changed: { private: true },
    });

    expect(bob.sent).toEqual([['remove_channel', { channelID: 'ch' }]]);
    expect(alice.sent).toEqual([]);
    expect(adm.sent).toEqual([]);
    expect([...bob.socket.data.channels]).toEqual([]);
    expect(subscriptions.leave).toHaveBeenCalledTimes(1);
  });

  it('registers or drops the presence of every subscriber when presence is turned on or off', async () => {
    const a = member('s1', 'alice', Role.Client, ['ch']);
    const b = member('s2', 'bob', Role.Client, ['ch']);
    const server = localServer([a, b].map((m) => ({ socket: m.socket, rooms: [room] })));
    const { handler, subscriptions } = handlerWith(server, []);

    await handler.apply({
      type: 'channel_updated',
      appID: 'app',
      channelID: 'ch',
      changed: { presence: true },
    });
    expect(subscriptions.startPresence.mock.calls.map((c) => (c as unknown[])[0])).toEqual([
      a.socket,
      b.socket,
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
