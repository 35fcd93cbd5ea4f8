import { Logger } from '@nestjs/common';
import { ChannelsError, ErrorCode } from '@channels/contracts';
import type { ChannelAccess, ChannelDirectory } from '@channels/messaging';
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
  const handler = new ControlHandler(bus, server, subscriptions, directory, access);
  return { bus, directory, handler };
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
