import { Inject, Injectable } from '@nestjs/common';
import { canUseApp, isAdmin } from '@channels/auth';
import {
  type Channel,
  ChannelsError,
  ErrorCode,
  namespaceOf,
  type Principal,
  userLimitedClients,
} from '@channels/contracts';
import { ChannelRepository, type ImplicitChannelSettings } from '@channels/db';
import { BROKER, type Broker } from '@channels/realtime';
import { ChannelDirectory } from './channel-directory.service';

/** A user-limited channel outside any namespace: live only, no presence, clients may publish. */
const USER_LIMITED_DEFAULTS: ImplicitChannelSettings = {
  persistent: false,
  private: false,
  presence: false,
  historySize: null,
  historyTTLSeconds: null,
  clientPublish: true,
  joinLeave: true,
};

/**
 * Who may use a channel (protocol §1/§3/§5.1): admins and super admins of the app may use every
 * channel; clients may use open channels of their app and private channels they are members of;
 * a user-limited channel (`prefix#a,b`, the personal channel `#a`) only by the clients it lists.
 * Subscribing, publishing, and reading history or presence follow the same rule.
 *
 * Channels that exist without being created — user-limited ids, and ids of a namespace with
 * `autoCreate` — are made here, on first use, with their namespace's settings: from then on they
 * are rows like any other (listed, with history and presence, gated in Redis).
 */
@Injectable()
export class ChannelAccess {
  constructor(
    private readonly directory: ChannelDirectory,
    private readonly channels: ChannelRepository,
    @Inject(BROKER) private readonly broker: Broker,
  ) {}

  /** Resolves the channel and checks access; throws not_found / forbidden. */
  async require(principal: Principal, appID: string, channelID: string): Promise<Channel> {
    if (!canUseApp(principal, appID))
      throw new ChannelsError(ErrorCode.Forbidden, 'this token may not use this app');
    const admin = isAdmin(principal);
    const limitedTo = userLimitedClients(channelID);
    if (limitedTo && !admin && !limitedTo.includes(principal.clientID))
      throw new ChannelsError(ErrorCode.Forbidden, `channel ${channelID} is limited to other clients`);
    const channel =
      (await this.directory.channel(appID, channelID)) ??
      (await this.implicit(appID, channelID, limitedTo !== undefined));
    if (!channel) throw new ChannelsError(ErrorCode.NotFound, `channel ${channelID} not found`);
    if (channel.private && !admin) {
      const member = await this.directory.isMember(appID, channelID, principal.clientID);
      if (!member)
        throw new ChannelsError(ErrorCode.Forbidden, `not a member of private channel ${channelID}`);
    }
    return channel;
  }

  /** Like `require`, for publishing: also refuses clients where the channel's `clientPublish` is off. */
  async requirePublish(principal: Principal, appID: string, channelID: string): Promise<Channel> {
    const channel = await this.require(principal, appID, channelID);
    if (!channel.clientPublish && !isAdmin(principal))
      throw new ChannelsError(ErrorCode.Forbidden, `clients may not publish on channel ${channelID}`);
    return channel;
  }

  /**
   * Makes a channel that exists without being created (a user-limited id, an id of an autoCreate
   * namespace); null for any other id. Concurrent first uses on several processes make one row.
   */
  private async implicit(appID: string, channelID: string, userLimited: boolean): Promise<Channel | null> {
    const name = namespaceOf(channelID);
    const namespace = name !== undefined ? await this.directory.namespace(appID, name) : null;
    if (!userLimited && !namespace?.autoCreate) return null;
    const channel = await this.channels.ensure(appID, channelID, namespace ?? USER_LIMITED_DEFAULTS);
    if (!channel) return null;
    this.directory.invalidateChannel(appID, channelID);
    // A publish refused before the channel existed may have left "absent" in the Redis gate.
    await this.broker.setGate(appID, channelID, { exists: true, closed: channel.isClosed });
    return channel;
  }
}
