import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ControlMessage } from '@channels/contracts';
import { ChannelDirectory, TokenRevocations } from '@channels/messaging';
import { CONTROL_BUS, type ControlBus } from '@channels/realtime';

/**
 * Drops what the in-process channel directory (and the token revocation cache) held about whatever
 * `message` changed.
 */
export function invalidateFor(
  directory: ChannelDirectory,
  revocations: TokenRevocations,
  message: ControlMessage,
): void {
  switch (message.type) {
    case 'member_added':
    case 'member_removed':
      directory.invalidateMember(message.appID, message.channelID, message.clientID);
      return;
    case 'channel_closed':
    case 'channel_opened':
    case 'channel_updated':
    case 'channel_deleted':
      directory.invalidateChannel(message.appID, message.channelID);
      return;
    case 'client_deleted':
      directory.invalidateClient(message.appID, message.clientID);
      revocations.invalidateClient(message.appID, message.clientID);
      return;
    case 'app_updated':
    case 'app_deleted':
      directory.invalidateApp(message.appID);
      revocations.invalidateApp(message.appID);
      return;
    case 'disconnect_client':
    case 'unsubscribe_client':
    case 'subscribe_client':
    case 'webhooks_updated':
      return;
  }
}

/**
 * Keeps this process's channel directory (the publish/history path's cache of channel settings
 * and memberships) and its token revocation cache in step with changes made through any admin-api
 * replica: every control message invalidates what it touched.
 */
@Injectable()
export class DirectoryInvalidation implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DirectoryInvalidation.name);
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly directory: ChannelDirectory,
    private readonly revocations: TokenRevocations,
    @Inject(CONTROL_BUS) private readonly control: ControlBus,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      this.unsubscribe = await this.control.subscribe((m) =>
        invalidateFor(this.directory, this.revocations, m),
      );
    } catch (e) {
      this.logger.warn(
        `control channel not subscribed yet (${(e as Error).message}); cache entries expire on their own`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }
}
