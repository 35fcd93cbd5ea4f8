import { Injectable } from '@nestjs/common';
import { canUseApp, isAdmin } from '@channels/auth';
import { type Channel, ChannelsError, ErrorCode, type Principal } from '@channels/contracts';
import { ChannelDirectory } from './channel-directory.service';

/**
 * Who may use a channel (protocol §1/§3): admins and super admins of the app may use every channel;
 * clients may use open channels of their app and private channels they are members of. Subscribing,
 * publishing, and reading history or presence follow the same rule.
 */
@Injectable()
export class ChannelAccess {
  constructor(private readonly directory: ChannelDirectory) {}

  /** Resolves the channel and checks access; throws not_found / forbidden. */
  async require(principal: Principal, appID: string, channelID: string): Promise<Channel> {
    if (!canUseApp(principal, appID))
      throw new ChannelsError(ErrorCode.Forbidden, 'this token may not use this app');
    const channel = await this.directory.channel(appID, channelID);
    if (!channel) throw new ChannelsError(ErrorCode.NotFound, `channel ${channelID} not found`);
    if (channel.private && !isAdmin(principal)) {
      const member = await this.directory.isMember(appID, channelID, principal.clientID);
      if (!member)
        throw new ChannelsError(ErrorCode.Forbidden, `not a member of private channel ${channelID}`);
    }
    return channel;
  }
}
