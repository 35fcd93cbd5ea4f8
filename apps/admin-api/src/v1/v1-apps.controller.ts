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
  UseGuards,
} from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param, query } from '../http/zod-pipe';
import { AppsService } from '../resources/apps.service';
import { AppCreate, AppID, AppUpdate, Hooks, PageQuery } from './v1.schemas';

/** `/v1/apps`: apps (tenants). */
@Controller('v1/apps')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1AppsController {
  constructor(private readonly apps: AppsService) {}

  @Get()
  async list(@Auth() p: Principal, @Query(query(PageQuery)) q: z.output<typeof PageQuery>) {
    const page = await this.apps.list(p, q);
    return { apps: page.items, nextCursor: page.nextCursor };
  }

  @Post()
  create(@Auth() p: Principal, @Body(body(AppCreate)) b: z.output<typeof AppCreate>) {
    return this.apps.create(p, b.appID, b.name, b.ackMode);
  }

  @Get(':appID')
  get(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string) {
    return this.apps.getWithApiSecret(p, appID);
  }

  @Post(':appID/api-secret')
  @HttpCode(200)
  rotateApiSecret(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string) {
    return this.apps.rotateApiSecret(p, appID);
  }

  @Patch(':appID')
  update(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(AppUpdate)) b: z.output<typeof AppUpdate>,
  ) {
    return this.apps.update(p, appID, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.ackMode !== undefined ? { ackMode: b.ackMode } : {}),
    });
  }

  @Get(':appID/hooks')
  async hooks(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string) {
    return { appID, hooks: await this.apps.hooks(p, appID) };
  }

  @Put(':appID/hooks')
  async setHooks(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(Hooks)) b: z.output<typeof Hooks>,
  ) {
    return { appID, hooks: await this.apps.setHooks(p, appID, b) };
  }

  @Delete(':appID/hooks')
  @HttpCode(204)
  async removeHooks(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
  ): Promise<void> {
    await this.apps.setHooks(p, appID, null);
  }

  @Delete(':appID')
  @HttpCode(204)
  async remove(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string): Promise<void> {
    await this.apps.delete(p, appID);
  }
}
