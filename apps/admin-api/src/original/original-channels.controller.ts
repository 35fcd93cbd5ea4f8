import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { type Principal, Role } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param } from '../http/zod-pipe';
import { ChannelsService } from '../resources/channels.service';
import { notFound } from '../resources/errors';
import { EventsService } from '../resources/events.service';
import { MembersService } from '../resources/members.service';
import { toOriginalChannel, toSeconds } from './original.mapper';
import { appHeader, ChannelCreateBody, ChannelIdParam, ClientIdParam, PublishBody } from './original.schemas';

/** The original product's `/channel` routes; the app is named by the `AppID` header. */
@Controller('channel')
@UseGuards(AuthGuard, RateLimitGuard)
export class OriginalChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly members: MembersService,
    private readonly events: EventsService,
  ) {}

  /** 201 with the channel, 409 when the id is taken in the app, 404 when the app is unknown. */
  @Post()
  @HttpCode(201)
  async create(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Body(body(ChannelCreateBody)) b: z.output<typeof ChannelCreateBody>,
  ) {
    return toOriginalChannel(await this.channels.create(p, appHeader(appIDHeader), b));
  }

  /**
   * Open (`/channel/open`) or private (`/channel/private`) channels of the app in the `AppID`
   * header: all of them for its admins; for a client, the open ones and the private ones it is a
   * member of (a client's token names its app, so the header may be left out). Without the header
   * and not a client: every app's (super admin).
   */
  @Get('open')
  listOpen(@Auth() p: Principal, @Headers('appid') appIDHeader: string | undefined) {
    return this.list(p, appIDHeader, 'open');
  }

  @Get('private')
  listPrivate(@Auth() p: Principal, @Headers('appid') appIDHeader: string | undefined) {
    return this.list(p, appIDHeader, 'private');
  }

  /** Deletes the channel with its memberships and stored events; 404 when unknown. */
  @Delete(':channelID')
  async remove(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
  ): Promise<void> {
    await this.channels.delete(p, appHeader(appIDHeader), channelID);
  }

  /** Publishing is refused everywhere at once until reopened; 404 when unknown. */
  @Post(':channelID/close')
  @HttpCode(200)
  async close(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
  ) {
    return toOriginalChannel(await this.channels.setClosed(p, appHeader(appIDHeader), channelID, true));
  }

  @Post(':channelID/open')
  @HttpCode(200)
  async open(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
  ) {
    return toOriginalChannel(await this.channels.setClosed(p, appHeader(appIDHeader), channelID, false));
  }

  /**
   * 200 when the client is a member afterwards (also when it already was one: the original documents
   * 200 and 404 only, so a repeated join changes nothing and announces nothing); 404 when the channel
   * or client is unknown.
   */
  @Post(':channelID/join/:clientID')
  @HttpCode(200)
  async join(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Param('clientID', param(ClientIdParam, 'clientID')) clientID: string,
  ): Promise<void> {
    await this.members.add(p, appHeader(appIDHeader), channelID, clientID);
  }

  /** 200 when removed, 404 when the channel is unknown or the client is not a member. */
  @Post(':channelID/leave/:clientID')
  @HttpCode(200)
  async leave(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Param('clientID', param(ClientIdParam, 'clientID')) clientID: string,
  ): Promise<void> {
    if (!(await this.members.remove(p, appHeader(appIDHeader), channelID, clientID))) {
      throw notFound(`client ${clientID} as member of channel ${channelID}`);
    }
  }

  /**
   * Publishes like a socket publish (every subscriber on every gateway; stored on persistent
   * channels). 404 unknown channel, 400 closed channel, 403 private channel the client is not a
   * member of. Answers the event's id, offset (stored events) and timestamp in seconds.
   */
  @Post(':channelID/publish')
  @HttpCode(200)
  async publish(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Body(body(PublishBody)) b: z.output<typeof PublishBody>,
  ) {
    const ack = await this.events.publish(p, appHeader(appIDHeader), channelID, {
      eventType: b.eventType,
      payload: b.payload,
    });
    return {
      id: ack.id,
      ...(ack.offset !== undefined ? { offset: ack.offset } : {}),
      timestamp: toSeconds(ack.timestamp),
    };
  }

  private async list(p: Principal, appIDHeader: string | undefined, kind: 'open' | 'private') {
    const appID = appHeader(appIDHeader, true) ?? (p.role === Role.Client ? p.appID : undefined);
    const channels =
      appID === undefined
        ? await this.channels.listEveryApp(p, { private: kind === 'private' })
        : await this.channels.visible(p, appID, kind);
    return { channels: channels.map(toOriginalChannel) };
  }
}
