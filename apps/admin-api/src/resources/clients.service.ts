import { Injectable } from '@nestjs/common';
import { assertAdminOf, assertSuperAdmin } from '@channels/auth';
import type { Channel, Client, Principal } from '@channels/contracts';
import {
  AppRepository,
  ChannelRepository,
  ClientRepository,
  MembershipRepository,
  type Page,
} from '@channels/db';
import { notFound } from './errors';
import { type LiveEffect, LiveEffects } from './live-effects.service';
import { pushJoinLeave } from './channels.service';

export interface NewClient {
  clientID: string;
  username: string;
  extra: string;
}

/** Clients of an app, managed by the app's admins (or a super admin). */
@Injectable()
export class ClientsService {
  constructor(
    private readonly apps: AppRepository,
    private readonly clients: ClientRepository,
    private readonly channels: ChannelRepository,
    private readonly memberships: MembershipRepository,
    private readonly effects: LiveEffects,
  ) {}

  async create(p: Principal, appID: string, c: NewClient): Promise<Client> {
    assertAdminOf(p, appID);
    if (!(await this.apps.exists(appID))) throw notFound(`app ${appID}`);
    return this.clients.create({ appID, ...c });
  }

  async get(p: Principal, appID: string, clientID: string): Promise<Client> {
    assertAdminOf(p, appID);
    const c = await this.clients.find(appID, clientID);
    if (!c) throw notFound(`client ${clientID}`);
    return c;
  }

  async update(
    p: Principal,
    appID: string,
    clientID: string,
    data: { username?: string; extra?: string },
  ): Promise<Client> {
    assertAdminOf(p, appID);
    if (data.username === undefined && data.extra === undefined) return this.get(p, appID, clientID);
    return this.clients.update(appID, clientID, data);
  }

  /**
   * Deletes the client and its memberships. Subscribers of its presence channels see it leave
   * (`leave_channel`), its devices lose those channels, then gateways drop its connections; the
   * app's backend gets `member_removed` for each of its channels.
   * False when it did not exist.
   */
  async delete(p: Principal, appID: string, clientID: string): Promise<boolean> {
    assertAdminOf(p, appID);
    const channelIDs = await this.memberships.channelsOfClient(appID, clientID);
    const channels = await Promise.all(channelIDs.map((id) => this.channels.find(appID, id)));
    const existed = await this.clients.delete(appID, clientID);
    if (!existed) return false;
    const effects: LiveEffect[] = channels
      .filter((c): c is Channel => c !== null)
      .map((c) => ({
        kind: 'control',
        message: {
          type: 'member_removed',
          appID,
          channelID: c.channelID,
          clientID,
          presence: pushJoinLeave(c),
        },
      }));
    effects.push({ kind: 'control', message: { type: 'client_deleted', appID, clientID } });
    for (const channelID of channelIDs)
      effects.push({ kind: 'webhook', appID, type: 'member_removed', subject: { channelID, clientID } });
    await this.effects.apply(effects);
    return true;
  }

  /** A page of clients of `appID`, or of every app (super admin only) when `appID` is undefined. */
  async list(
    p: Principal,
    appID: string | undefined,
    page: { limit: number; cursor?: string; search?: string },
  ): Promise<Page<Client>> {
    if (appID === undefined) assertSuperAdmin(p);
    else assertAdminOf(p, appID);
    return this.clients.list({ ...page, ...(appID !== undefined ? { appID } : {}) });
  }

  /** Channel ids the client is a member of. */
  async channelsOf(p: Principal, appID: string, clientID: string): Promise<string[]> {
    await this.get(p, appID, clientID);
    return (await this.memberships.channelsOfClient(appID, clientID)).sort();
  }
}
