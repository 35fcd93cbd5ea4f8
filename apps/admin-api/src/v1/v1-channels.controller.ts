import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param, query } from '../http/zod-pipe';
import { ChannelsService } from '../resources/channels.service';
import { notFound } from '../resources/errors';
import { MembersService } from '../resources/members.service';
import {
  AppID,
  ChannelCreate,
  ChannelID,
  ChannelQuery,
  ChannelUpdate,
  ClientID,
  PageQuery,
} from './v1.schemas';

/** `/v1/apps/:appID/channels`: channels of an app and their members. */
@Controller('v1/apps/:appID/channels')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly members: MembersService,
  ) {}

  @Get()
  async list(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Query(query(ChannelQuery)) q: z.output<typeof ChannelQuery>,
  ) {
    const { limit, cursor, closed, ...filter } = q;
    const page = await this.channels.list(
      p,
      appID,
      { ...filter, ...(closed !== undefined ? { isClosed: closed } : {}) },
      { limit, ...(cursor !== undefined ? { cursor } : {}) },
    );
    return { channels: page.items, nextCursor: page.nextCursor };
  }

  @Post()
  create(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(ChannelCreate)) b: z.output<typeof ChannelCreate>,
  ) {
    return this.channels.create(p, appID, b);
  }

  @Get(':channelID')
  get(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
  ) {
    return this.channels.get(p, appID, channelID);
  }

  @Patch(':channelID')
  update(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Body(body(ChannelUpdate)) b: z.output<typeof ChannelUpdate>,
  ) {
    return this.channels.update(p, appID, channelID, b);
  }

  @Delete(':channelID')
  @HttpCode(204)
  async remove(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
  ): Promise<void> {
    await this.channels.delete(p, appID, channelID);
  }

  @Post(':channelID/close')
  @HttpCode(200)
  close(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
  ) {
    return this.channels.setClosed(p, appID, channelID, true);
  }

  @Post(':channelID/open')
  @HttpCode(200)
  open(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
  ) {
    return this.channels.setClosed(p, appID, channelID, false);
  }

  @Get(':channelID/members')
  async listMembers(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Query(query(PageQuery)) q: z.output<typeof PageQuery>,
  ) {
    const page = await this.members.list(p, appID, channelID, q);
    return { members: page.items, nextCursor: page.nextCursor };
  }

  /** Idempotent: 201 when the client became a member, 200 when it already was one. */
  @Put(':channelID/members/:clientID')
  async addMember(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const added = await this.members.add(p, appID, channelID, clientID);
    res.status(added ? 201 : 200);
    return { added };
  }

  @Delete(':channelID/members/:clientID')
  @HttpCode(204)
  async removeMember(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('channelID', param(ChannelID, 'channelID')) channelID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
  ): Promise<void> {
    if (!(await this.members.remove(p, appID, channelID, clientID))) {
      throw notFound(`client ${clientID} as member of channel ${channelID}`);
    }
  }
}
