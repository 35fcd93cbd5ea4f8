import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param, query } from '../http/zod-pipe';
import { ClientsService } from '../resources/clients.service';
import { notFound } from '../resources/errors';
import { RealtimeAdminService } from '../resources/realtime-admin.service';
import { AppID, ClientCreate, ClientID, ClientQuery, ClientUpdate, UnsubscribeBody } from './v1.schemas';

/** `/v1/apps/:appID/clients`: clients of an app, and commands to their live connections. */
@Controller('v1/apps/:appID/clients')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly live: RealtimeAdminService,
  ) {}

  @Get()
  async list(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Query(query(ClientQuery)) q: z.output<typeof ClientQuery>,
  ) {
    const page = await this.clients.list(p, appID, q);
    return { clients: page.items, nextCursor: page.nextCursor };
  }

  @Post()
  create(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(ClientCreate)) b: z.output<typeof ClientCreate>,
  ) {
    return this.clients.create(p, appID, b);
  }

  @Get(':clientID')
  get(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
  ) {
    return this.clients.get(p, appID, clientID);
  }

  @Patch(':clientID')
  update(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
    @Body(body(ClientUpdate)) b: z.output<typeof ClientUpdate>,
  ) {
    return this.clients.update(p, appID, clientID, b);
  }

  @Delete(':clientID')
  @HttpCode(204)
  async remove(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
  ): Promise<void> {
    if (!(await this.clients.delete(p, appID, clientID))) throw notFound(`client ${clientID}`);
  }

  @Get(':clientID/channels')
  async channels(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
  ) {
    return { channels: await this.clients.channelsOf(p, appID, clientID) };
  }

  @Post(':clientID/disconnect')
  @HttpCode(200)
  async disconnect(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
  ) {
    await this.live.disconnect(p, appID, clientID);
    return { ok: true };
  }

  @Post(':clientID/subscribe')
  @HttpCode(200)
  async subscribe(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
    @Body(body(UnsubscribeBody)) b: z.output<typeof UnsubscribeBody>,
  ) {
    await this.live.subscribe(p, appID, clientID, b.channelID);
    return { ok: true };
  }

  @Post(':clientID/unsubscribe')
  @HttpCode(200)
  async unsubscribe(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('clientID', param(ClientID, 'clientID')) clientID: string,
    @Body(body(UnsubscribeBody)) b: z.output<typeof UnsubscribeBody>,
  ) {
    await this.live.unsubscribe(p, appID, clientID, b.channelID);
    return { ok: true };
  }
}
