import { ChannelDirectory } from '@channels/messaging';
import { InMemoryControlBus } from '@channels/realtime';
import type { SocketServer } from '../socket/socket-server.service';
import type { SubscriptionService } from '../subscriptions/subscription.service';
import { ControlHandler } from './control-handler.service';

describe('ControlHandler', () => {
  it('drops every cached channel setting when its control subscription comes back', async () => {
    const bus = new InMemoryControlBus();
    const directory = { invalidateAll: jest.fn() } as unknown as ChannelDirectory;
    const handler = new ControlHandler(bus, {} as SocketServer, {} as SubscriptionService, directory);
    await handler.onApplicationBootstrap();
    expect(directory.invalidateAll).not.toHaveBeenCalled();
    bus.simulateReconnect();
    expect(directory.invalidateAll).toHaveBeenCalledTimes(1);
    await handler.onApplicationShutdown();
    bus.simulateReconnect();
    expect(directory.invalidateAll).toHaveBeenCalledTimes(1);
  });
});
