import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import type { z } from 'zod';
import type { Client, Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param } from '../http/zod-pipe';
import { ClientsService } from '../resources/clients.service';
import { toOriginalClient } from './original.mapper';
import { appHeader, ClientCreateBody, ClientIdParam, ClientUpdateBody } from './original.schemas';

/** The original product's `/client` routes; the app is named by the `AppID` header. */
@Controller('client')
@UseGuards(AuthGuard, RateLimitGuard)
export class OriginalClientsController {
  constructor(private readonly clients: ClientsService) {}

  /** 200 with the client, 409 when the id is taken in the app, 404 when the app is unknown. */
  @Post()
  @HttpCode(200)
  async create(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Body(body(ClientCreateBody)) b: z.output<typeof ClientCreateBody>,
  ) {
    return toOriginalClient(await this.clients.create(p, appHeader(appIDHeader), b));
  }

  /** Clients of the app in the `AppID` header; without the header, of every app (super admin). */
  @Get()
  async list(@Auth() p: Principal, @Headers('appid') appIDHeader: string | undefined) {
    const appID = appHeader(appIDHeader, true);
    const all: Client[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.clients.list(p, appID, { limit: 1000, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { clients: all.map(toOriginalClient) };
  }

  @Put(':clientID')
  async update(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('clientID', param(ClientIdParam, 'clientID')) clientID: string,
    @Body(body(ClientUpdateBody)) b: z.output<typeof ClientUpdateBody>,
  ) {
    return toOriginalClient(await this.clients.update(p, appHeader(appIDHeader), clientID, b));
  }

  /** Always 200 (as documented): afterwards the client does not exist. */
  @Delete(':clientID')
  async remove(
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('clientID', param(ClientIdParam, 'clientID')) clientID: string,
  ): Promise<void> {
    await this.clients.delete(p, appHeader(appIDHeader), clientID);
  }
}
