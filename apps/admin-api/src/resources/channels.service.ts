import { Injectable } from '@nestjs/common';
import { assertAdminOf, assertMemberOfApp, assertSuperAdmin, isAdmin } from '@channels/auth';
import {
  type Channel,
  CHANNEL_DELETED_MEMBERS_CHUNK,
  type ChannelSettingsChange,
  type Principal,
} from '@channels/contracts';
import {
  AppRepository,
  type ChannelChange,
  type ChannelFilter,
  ChannelRepository,
  type NewChannel,
  type Page,
} from '@channels/db';
import { notFound } from './errors';
import { type LiveEffect, LiveEffects } from './live-effects.service';

export type ChannelSettings = Omit<NewChannel, 'appID'>;
export type ChannelChanges = ChannelChange;
export type ChannelListFilter = Omit<ChannelFilter, 'appID'>;

/**
 * Channels of an app, managed by the app's admins (or a super admin). Every change is followed by
 * its live effects: the publish gate is re-synced from Postgres (so a closed or deleted channel
 * refuses publishing everywhere at once) and gateways are told.
 */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly apps: AppRepository,
    private readonly channels: ChannelRepository,
    private readonly effects: LiveEffects,
  ) {}

  async create(p: Principal, appID: string, settings: ChannelSettings): Promise<Channel> {
    assertAdminOf(p, appID);
    if (!(await this.apps.exists(appID))) throw notFound(`app ${appID}`);
    const channel = await this.channels.create({ appID, ...settings });
    await this.effects.apply([{ kind: 'gate', appID, channelID: channel.channelID }]);
    return channel;
  }

  async get(p: Principal, appID: string, channelID: string): Promise<Channel> {
    assertAdminOf(p, appID);
    return this.require(appID, channelID);
  }

  /**
   * Changes settings. Gateways apply them to live subscribers at once (`channel_updated` carries
   * what changed): made private, non-members lose their subscriptions; presence on, subscribers are
   * registered and get `initial_online_status`; presence off, the channel's presence is dropped
   * without announcing anyone offline; persistence, the publish path and recovery follow it.
   */
  async update(p: Principal, appID: string, channelID: string, changes: ChannelChanges): Promise<Channel> {
    assertAdminOf(p, appID);
    const before = await this.require(appID, channelID);
    if (Object.keys(changes).length === 0) return before;
    const after = await this.channels.update(appID, channelID, changes);
    const effects: LiveEffect[] = [{ kind: 'gate', appID, channelID }, ...settingsEffects(before, after)];
    if (before.isClosed !== after.isClosed) {
      effects.push({
        kind: 'control',
        message: { type: after.isClosed ? 'channel_closed' : 'channel_opened', appID, channelID },
      });
    }
    await this.effects.apply(effects);
    return after;
  }

  /** Closes (no publishing; subscribers stay and may read) or reopens the channel. */
  async setClosed(p: Principal, appID: string, channelID: string, closed: boolean): Promise<Channel> {
    assertAdminOf(p, appID);
    const before = await this.require(appID, channelID);
    const after =
      before.isClosed === closed ? before : await this.channels.setClosed(appID, channelID, closed);
    const effects: LiveEffect[] = [{ kind: 'gate', appID, channelID }];
    if (before.isClosed !== closed) {
      effects.push({
        kind: 'control',
        message: { type: closed ? 'channel_closed' : 'channel_opened', appID, channelID },
      });
    }
    await this.effects.apply(effects);
    return after;
  }

  /**
   * Deletes the channel with its memberships and stored events. Every connection subscribed to it
   * and every device of every member gets `remove_channel` once, on every gateway: the members are
   * read by the delete itself and carried in `channel_deleted`, in chunks for large channels.
   */
  async delete(p: Principal, appID: string, channelID: string): Promise<void> {
    assertAdminOf(p, appID);
    const members = await this.channels.deleteReturningMembers(appID, channelID);
    if (members === null) throw notFound(`channel ${channelID}`);
    const effects: LiveEffect[] = [
      { kind: 'gate', appID, channelID },
      { kind: 'drop_stream', appID, channelID },
    ];
    const chunks: string[][] = [];
    for (let i = 0; i < members.length; i += CHANNEL_DELETED_MEMBERS_CHUNK)
      chunks.push(members.slice(i, i + CHANNEL_DELETED_MEMBERS_CHUNK));
    if (chunks.length === 0) chunks.push([]);
    chunks.forEach((chunk, i) =>
      effects.push({
        kind: 'control',
        message: {
          type: 'channel_deleted',
          appID,
          channelID,
          members: chunk,
          ...(i < chunks.length - 1 ? { more: true } : {}),
        },
      }),
    );
    await this.effects.apply(effects);
  }

  /** A page of channels of `appID`, or of every app (super admin only) when `appID` is undefined. */
  async list(
    p: Principal,
    appID: string | undefined,
    filter: ChannelListFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Channel>> {
    if (appID === undefined) assertSuperAdmin(p);
    else assertAdminOf(p, appID);
    return this.channels.list({ ...filter, ...page, ...(appID !== undefined ? { appID } : {}) });
  }

  /**
   * The channels of one kind the principal may use in `appID`: every one for an admin; for a
   * client, the open channels and the private channels it is a member of.
   */
  async visible(p: Principal, appID: string, kind: 'open' | 'private'): Promise<Channel[]> {
    assertMemberOfApp(p, appID);
    if (!isAdmin(p)) return this.channels.listForClient(appID, p.clientID, kind, 100_000);
    return this.all(appID, { private: kind === 'private' });
  }

  /** Every channel of every app matching `filter` (super admin). */
  async listEveryApp(p: Principal, filter: ChannelListFilter): Promise<Channel[]> {
    assertSuperAdmin(p);
    return this.all(undefined, filter);
  }

  /** Every channel matching `filter` (`appID` undefined: every app), walking the pages. */
  private async all(appID: string | undefined, filter: ChannelListFilter): Promise<Channel[]> {
    const out: Channel[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.channels.list({
        ...filter,
        limit: 1000,
        ...(appID !== undefined ? { appID } : {}),
        ...(cursor ? { cursor } : {}),
      });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  async require(appID: string, channelID: string): Promise<Channel> {
    const c = await this.channels.find(appID, channelID);
    if (!c) throw notFound(`channel ${channelID}`);
    return c;
  }
}

/**
 * What gateways must do when a channel's settings changed from `before` to `after` (`channel_updated`
 * carries what changed): made private, non-members lose their subscriptions; presence on,
 * subscribers are registered; presence off, its presence is dropped without announcing anyone offline.
 */
export function settingsEffects(
  before: Pick<Channel, 'appID' | 'channelID' | 'private' | 'presence' | 'persistent'>,
  after: Pick<Channel, 'private' | 'presence' | 'persistent'>,
): LiveEffect[] {
  const { appID, channelID } = before;
  const changed: ChannelSettingsChange = {};
  for (const k of ['private', 'presence', 'persistent'] as const)
    if (before[k] !== after[k]) changed[k] = after[k];
  const effects: LiveEffect[] = [
    { kind: 'control', message: { type: 'channel_updated', appID, channelID, changed } },
  ];
  // After gateways were told to stop reporting it: nobody is announced offline.
  if (changed.presence === false) effects.push({ kind: 'forget_presence', appID, channelID });
  return effects;
}

/** Whether subscribers are told of a member joining or leaving (`join_channel` / `leave_channel`). */
export const pushJoinLeave = (c: Channel): boolean => c.presence && c.joinLeave;
