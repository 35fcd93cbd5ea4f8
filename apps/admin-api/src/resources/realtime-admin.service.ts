import { Inject, Injectable } from '@nestjs/common';
import { assertAdminOf, assertSuperAdmin } from '@channels/auth';
import { CHANNEL_ID_PATTERN, type ClientStatusMap, type Principal } from '@channels/contracts';
import { type Page } from '@channels/db';
import { CONTROL_BUS, type ControlBus, PRESENCE_TRACKER, type PresenceTracker } from '@channels/realtime';
import {
  type ActiveChannel,
  activeChannels,
  type AppClusterStats,
  appStats,
  clusterStats,
  type ClusterStats,
} from '../stats/gateway-stats';
import { GatewayStatsReader } from '../stats/gateway-stats.reader';
import { ChannelsService } from './channels.service';
import { badRequest } from './errors';

/**
 * The live side of an app, for admins: who is online in a channel, which channels have
 * subscribers, connection statistics, and commands to every gateway (disconnect a client on all
 * its devices, unsubscribe it from a channel). These touch only Redis: when it is unreachable they
 * fail (503) rather than being replayed later.
 */
@Injectable()
export class RealtimeAdminService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly stats: GatewayStatsReader,
    @Inject(CONTROL_BUS) private readonly control: ControlBus,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
  ) {}

  /** Online status of the members of a channel (empty for channels without presence). */
  async presenceOf(p: Principal, appID: string, channelID: string): Promise<ClientStatusMap> {
    assertAdminOf(p, appID);
    const channel = await this.channels.require(appID, channelID);
    if (!channel.presence) return {};
    return this.presence.snapshot(appID, channelID);
  }

  /**
   * One page of a channel's presence (about `limit` members), continued with `cursor`; `nextCursor`
   * is null after the last page. A bad cursor is `bad_request`.
   */
  async presencePage(
    p: Principal,
    appID: string,
    channelID: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ clientStatus: ClientStatusMap; nextCursor: string | null }> {
    assertAdminOf(p, appID);
    const channel = await this.channels.require(appID, channelID);
    if (!channel.presence) return { clientStatus: {}, nextCursor: null };
    const r = await this.presence.snapshotPage(appID, channelID, page.cursor ?? null, page.limit);
    return { clientStatus: r.clientStatus, nextCursor: r.cursor };
  }

  /** Channels with at least one subscriber on a live gateway, ordered by channel id. */
  async activeChannels(
    p: Principal,
    appID: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<ActiveChannel>> {
    assertAdminOf(p, appID);
    const all = activeChannels(await this.stats.reports(), appID);
    const after = page.cursor !== undefined ? decodeIdCursor(page.cursor) : undefined;
    const rest = after === undefined ? all : all.filter((c) => c.channelID > after);
    const items = rest.slice(0, page.limit);
    const more = rest.length > page.limit;
    return {
      items,
      nextCursor: more ? Buffer.from(items[items.length - 1].channelID).toString('base64url') : null,
    };
  }

  async appStats(p: Principal, appID: string): Promise<AppClusterStats> {
    assertAdminOf(p, appID);
    return appStats(await this.stats.reports(), appID);
  }

  async clusterStats(p: Principal): Promise<ClusterStats> {
    assertSuperAdmin(p);
    return clusterStats(await this.stats.reports());
  }

  /** Every gateway closes every connection (device) of the client in the app. */
  async disconnect(p: Principal, appID: string, clientID: string): Promise<void> {
    assertAdminOf(p, appID);
    await this.control.publish({ type: 'disconnect_client', appID, clientID });
  }

  /**
   * Server-side subscription: every gateway subscribes every live connection of the client to the
   * channel, under the channel's rules (a private channel needs the client's membership).
   */
  async subscribe(p: Principal, appID: string, clientID: string, channelID: string): Promise<void> {
    assertAdminOf(p, appID);
    await this.channels.require(appID, channelID);
    await this.control.publish({ type: 'subscribe_client', appID, channelID, clientID });
  }

  /** Every gateway unsubscribes every connection of the client from the channel. */
  async unsubscribe(p: Principal, appID: string, clientID: string, channelID: string): Promise<void> {
    assertAdminOf(p, appID);
    await this.channels.require(appID, channelID);
    await this.control.publish({ type: 'unsubscribe_client', appID, channelID, clientID });
  }
}

/** Active-channel cursors are the base64url of the last channel id; anything else is refused. */
function decodeIdCursor(cursor: string): string {
  const id = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!CHANNEL_ID_PATTERN.test(id) || Buffer.from(id).toString('base64url') !== cursor) {
    throw badRequest('cursor: is not a valid cursor');
  }
  return id;
}
