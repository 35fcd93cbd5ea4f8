import { Injectable } from '@nestjs/common';
import { assertAdminOf } from '@channels/auth';
import type { Principal } from '@channels/contracts';
import { ClientRepository, type Member, MembershipRepository, type Page } from '@channels/db';
import { ChannelsService, pushJoinLeave } from './channels.service';
import { notFound } from './errors';
import { LiveEffects } from './live-effects.service';

/**
 * Channel memberships (what the original product calls join/leave). The client's devices on every
 * gateway learn at once (`new_channel` / `remove_channel`, server-side unsubscribe on removal), and
 * subscribers of a presence channel see `join_channel` / `leave_channel`; the app's backend gets
 * the `member_added` / `member_removed` webhook.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly clients: ClientRepository,
    private readonly memberships: MembershipRepository,
    private readonly effects: LiveEffects,
  ) {}

  /** Adds the member; false when it already was one. Unknown channel or client → not_found. */
  async add(p: Principal, appID: string, channelID: string, clientID: string): Promise<boolean> {
    assertAdminOf(p, appID);
    const channel = await this.channels.require(appID, channelID);
    if (!(await this.clients.find(appID, clientID))) throw notFound(`client ${clientID}`);
    const added = await this.memberships.add(appID, channelID, clientID);
    if (added) {
      await this.effects.apply([
        {
          kind: 'control',
          message: { type: 'member_added', appID, channelID, clientID, presence: pushJoinLeave(channel) },
        },
        { kind: 'webhook', appID, type: 'member_added', subject: { channelID, clientID } },
      ]);
    }
    return added;
  }

  /** Removes the member; false when it was not one. Unknown channel → not_found. */
  async remove(p: Principal, appID: string, channelID: string, clientID: string): Promise<boolean> {
    assertAdminOf(p, appID);
    const channel = await this.channels.require(appID, channelID);
    const removed = await this.memberships.remove(appID, channelID, clientID);
    if (removed) {
      await this.effects.apply([
        {
          kind: 'control',
          message: { type: 'member_removed', appID, channelID, clientID, presence: pushJoinLeave(channel) },
        },
        { kind: 'webhook', appID, type: 'member_removed', subject: { channelID, clientID } },
      ]);
    }
    return removed;
  }

  async list(
    p: Principal,
    appID: string,
    channelID: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Member>> {
    assertAdminOf(p, appID);
    await this.channels.require(appID, channelID);
    return this.memberships.listMembers(appID, channelID, page);
  }
}
