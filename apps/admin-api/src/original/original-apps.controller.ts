import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param } from '../http/zod-pipe';
import { AppsService } from '../resources/apps.service';
import { toOriginalApp } from './original.mapper';
import { AppCreateBody, AppIdParam, AppUpdateBody } from './original.schemas';

/** The original product's `/app` routes: create, list and delete are super admin only. */
@Controller('app')
@UseGuards(AuthGuard, RateLimitGuard)
export class OriginalAppsController {
  constructor(private readonly apps: AppsService) {}

  /** 200 with the app, or 409 when the id is taken. */
  @Post()
  @HttpCode(200)
  async create(@Auth() p: Principal, @Body(body(AppCreateBody)) b: z.output<typeof AppCreateBody>) {
    return toOriginalApp(await this.apps.create(p, b.AppID, b.Name));
  }

  @Get()
  async list(@Auth() p: Principal) {
    return { Apps: (await this.apps.listAll(p)).map(toOriginalApp) };
  }

  /** Renames the app (its admin or a super admin); 404 when unknown. */
  @Put(':appID')
  async update(
    @Auth() p: Principal,
    @Param('appID', param(AppIdParam, 'appID')) appID: string,
    @Body(body(AppUpdateBody)) b: z.output<typeof AppUpdateBody>,
  ) {
    return toOriginalApp(await this.apps.rename(p, appID, b.Name));
  }

  /** Deletes the app and everything it owns (cascade); 404 when unknown. */
  @Delete(':appID')
  async remove(
    @Auth() p: Principal,
    @Param('appID', param(AppIdParam, 'appID')) appID: string,
  ): Promise<void> {
    await this.apps.delete(p, appID);
  }
}
