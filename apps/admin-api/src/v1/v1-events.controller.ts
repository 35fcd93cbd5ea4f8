import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { assertAdminOf, assertUserOf, isAdmin } from '@channels/auth';
import { CHANNEL_ID_PATTERN, eventTextArray, personalChannel, type Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { RequestRateLimiter } from '../auth/request-rate-limiter';
import { Auth } from '../auth/principal.decorator';
import { sendJsonText } from '../http/json-text';
import { body, param, query } from '../http/zod-pipe';
import { EventsService } from '../resources/events.service';
import { badRequest } from '../resources/errors';
import { RealtimeAdminService } from '../resources/realtime-admin.service';
import {
  ActiveChannelPage,
  AppID,
  BroadcastBody,
  ChannelID,
  ClientID,
  HistoryQuery,
  PageQuery,
  Presence,
  PresenceQuery,
  PublishBody,
} from './v1.schemas';

/** `/v1/apps/:appID/...`: publishing, history, presence and live statistics of an app. */
@Controller('v1/apps/:appID')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly live: RealtimeAdminService,
    private readonly limiter: RequestRateLimiter,
  ) {}

  /** Publishes through the same path as a socket publish; stored (with its offset) on persistent channels. */
  @Post('channels/:channelID/events')
  async publish(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Body(body(PublishBody)) b: z.output<typeof PublishBody>,
  ) {
    // Client tokens publish too, under the socket's rules (membership of private channels, closed
    // channels, payload size, `senderID` from the token) and a per-client rate (an SSE page writes
    // through here).
    assertUserOf(p, appID);
    if (!isAdmin(p)) await this.limiter.consumeClientPublish(appID, p.clientID);
    return this.events.publish(p, appID, channelID, b);
  }

  /**
   * Sends to a user (protocol §5.1): publishes on the client's personal channel `#<clientID>`, so
   * every connection of the client subscribed to it, on every gateway, receives the event (stored
   * when the channel is persistent). Backends only: admins of the app.
   */
  @Post('clients/:clientID/events')
  sendToClient(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
    @Body(body(PublishBody)) b: z.output<typeof PublishBody>,
  ) {
    assertAdminOf(p, appID);
    const channelID = personalChannel(clientID);
    if (!CHANNEL_ID_PATTERN.test(channelID))
      throw badRequest(
        `clientID: client ${clientID} has no personal channel (its id does not fit a channel id)`,
      );
    return this.events.publish(p, appID, channelID, b);
  }

  /** `{events, epoch, nextCursor}`, assembled from the events' stored JSON text (no re-serialising). */
  @Get('channels/:channelID/events')
  async history(
    @Res() res: Response,
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Query(query(HistoryQuery)) q: z.output<typeof HistoryQuery>,
  ): Promise<void> {
    assertAdminOf(p, appID);
    const { cursor, ...rest } = q;
    const page = await this.events.page(p, appID, { channelID, ...rest }, cursor);
    sendJsonText(
      res,
      `{"events":${eventTextArray(page.events)},"epoch":${JSON.stringify(page.epoch)},` +
        `"nextCursor":${JSON.stringify(page.nextCursor)}}`,
    );
  }

  @Get('channels/:channelID/presence')
  async presence(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Query(query(PresenceQuery)) q: z.output<typeof PresenceQuery>,
  ): Promise<z.output<typeof Presence>> {
    if (q.limit === undefined) {
      if (q.cursor !== undefined) throw badRequest('cursor: needs limit');
      return { channelID, clientStatus: await this.live.presenceOf(p, appID, channelID), nextCursor: null };
    }
    const page = await this.live.presencePage(p, appID, channelID, {
      limit: q.limit,
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
    return { channelID, ...page };
  }

  @Post('broadcast')
  @HttpCode(200)
  async broadcast(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(BroadcastBody)) b: z.output<typeof BroadcastBody>,
  ) {
    const { channels, ...event } = b;
    return { results: await this.events.broadcast(p, appID, channels, event) };
  }

  @Get('active-channels')
  async activeChannels(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Query(query(PageQuery)) q: z.output<typeof PageQuery>,
  ): Promise<z.output<typeof ActiveChannelPage>> {
    const page = await this.live.activeChannels(p, appID, q);
    return { channels: page.items, nextCursor: page.nextCursor };
  }

  @Get('stats')
  stats(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string) {
    return this.live.appStats(p, appID);
  }
}
