import { Injectable } from '@nestjs/common';
import { assertAdminOf } from '@channels/auth';
import { eventFromText, type Principal, typeError } from '@channels/contracts';
import { z } from 'zod';
import { ChannelsService } from '../resources/channels.service';
import { ClientsService } from '../resources/clients.service';
import { notFound } from '../resources/errors';
import { EventsService } from '../resources/events.service';
import { MembersService } from '../resources/members.service';
import { RealtimeAdminService } from '../resources/realtime-admin.service';
import {
  AppID,
  BroadcastBody,
  ChannelCreate,
  ChannelID,
  ChannelUpdate,
  ClientCreate,
  ClientID,
  ClientUpdate,
  Cursor,
  PublishBody,
} from './v1.schemas';

/** Out of range: `must be at least 1` / `must be at most 1000` (`ruleMessage`). */
const int = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.number(typeError('must be a number')).int().min(min).max(max);
const params = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: 'must be a JSON object' });
const onApp = { appID: AppID };
const onChannel = { appID: AppID, channelID: ChannelID };
const onClient = { appID: AppID, clientID: ClientID };

/** Parameters of every batch command (JSON values: numbers are numbers, booleans are booleans). */
export const batchParamSchemas = {
  publish: params({ ...onChannel, ...PublishBody.shape }),
  broadcast: params({ ...onApp, ...BroadcastBody.shape }),
  history: params({
    ...onChannel,
    limit: int(1, 1000).default(100),
    since: int().optional(),
    until: int().optional(),
    sinceOffset: int().optional(),
    order: z.enum(['asc', 'desc'], { error: 'must be "asc" or "desc"' }).optional(),
    cursor: Cursor.optional(),
  }),
  presence: params(onChannel),
  active_channels: params({ ...onApp, limit: int(1, 1000).default(100), cursor: Cursor.optional() }),
  stats: params({ appID: AppID.optional() }),
  disconnect: params(onClient),
  unsubscribe: params({ ...onClient, channelID: ChannelID }),
  subscribe: params({ ...onClient, channelID: ChannelID }),
  create_channel: params({ ...onApp, ...ChannelCreate.shape }),
  update_channel: params({ ...onChannel, ...ChannelUpdate.shape }),
  delete_channel: params(onChannel),
  close_channel: params(onChannel),
  open_channel: params(onChannel),
  add_member: params({ ...onChannel, clientID: ClientID }),
  remove_member: params({ ...onChannel, clientID: ClientID }),
  create_client: params({ ...onApp, ...ClientCreate.shape }),
  update_client: params({ ...onClient, ...ClientUpdate.shape }),
  delete_client: params(onClient),
} as const;

export type BatchMethod = keyof typeof batchParamSchemas;
export const BATCH_METHODS = Object.keys(batchParamSchemas) as BatchMethod[];
type ParamsOf<M extends BatchMethod> = z.output<(typeof batchParamSchemas)[M]>;
type Handlers = { [M in BatchMethod]: (p: Principal, params: ParamsOf<M>) => Promise<unknown> };

/**
 * The commands `/v1/batch` runs. Each one does exactly what its REST route does (same services,
 * same checks) and answers the same body.
 */
@Injectable()
export class BatchCommands {
  constructor(
    private readonly channels: ChannelsService,
    private readonly clients: ClientsService,
    private readonly members: MembersService,
    private readonly events: EventsService,
    private readonly live: RealtimeAdminService,
  ) {}

  readonly handlers: Handlers = {
    publish: (p, { appID, channelID, ...event }) => {
      assertAdminOf(p, appID);
      return this.events.publish(p, appID, channelID, event);
    },
    broadcast: async (p, { appID, channels, ...event }) => ({
      results: await this.events.broadcast(p, appID, channels, event),
    }),
    history: async (p, { appID, cursor, ...q }) => {
      assertAdminOf(p, appID);
      const page = await this.events.page(p, appID, q, cursor);
      return { events: page.events.map(eventFromText), epoch: page.epoch, nextCursor: page.nextCursor };
    },
    presence: async (p, { appID, channelID }) => ({
      channelID,
      clientStatus: await this.live.presenceOf(p, appID, channelID),
    }),
    active_channels: async (p, { appID, limit, cursor }) => {
      const page = await this.live.activeChannels(p, appID, {
        limit,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return { channels: page.items, nextCursor: page.nextCursor };
    },
    stats: (p, { appID }) => (appID !== undefined ? this.live.appStats(p, appID) : this.live.clusterStats(p)),
    disconnect: async (p, { appID, clientID }) => {
      await this.live.disconnect(p, appID, clientID);
      return { ok: true };
    },
    unsubscribe: async (p, { appID, clientID, channelID }) => {
      await this.live.unsubscribe(p, appID, clientID, channelID);
      return { ok: true };
    },
    subscribe: async (p, { appID, clientID, channelID }) => {
      await this.live.subscribe(p, appID, clientID, channelID);
      return { ok: true };
    },
    create_channel: (p, { appID, ...settings }) => this.channels.create(p, appID, settings),
    update_channel: (p, { appID, channelID, ...changes }) =>
      this.channels.update(p, appID, channelID, changes),
    delete_channel: async (p, { appID, channelID }) => {
      await this.channels.delete(p, appID, channelID);
      return { ok: true };
    },
    close_channel: (p, { appID, channelID }) => this.channels.setClosed(p, appID, channelID, true),
    open_channel: (p, { appID, channelID }) => this.channels.setClosed(p, appID, channelID, false),
    add_member: async (p, { appID, channelID, clientID }) => ({
      added: await this.members.add(p, appID, channelID, clientID),
    }),
    remove_member: async (p, { appID, channelID, clientID }) => {
      if (!(await this.members.remove(p, appID, channelID, clientID))) {
        throw notFound(`client ${clientID} as member of channel ${channelID}`);
      }
      return { ok: true };
    },
    create_client: (p, { appID, ...c }) => this.clients.create(p, appID, c),
    update_client: (p, { appID, clientID, ...data }) => this.clients.update(p, appID, clientID, data),
    delete_client: async (p, { appID, clientID }) => {
      if (!(await this.clients.delete(p, appID, clientID))) throw notFound(`client ${clientID}`);
      return { ok: true };
    },
  };
}
