import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param } from '../http/zod-pipe';
import { NamespacesService } from '../resources/namespaces.service';
import { AppID, NamespaceCreate, NamespaceName, NamespaceUpdate } from './v1.schemas';

/** `/v1/apps/:appID/namespaces`: channel defaults for the ids `<name>:…` (protocol §5.1). */
@Controller('v1/apps/:appID/namespaces')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1NamespacesController {
  constructor(private readonly namespaces: NamespacesService) {}

  @Get()
  async list(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string) {
    return { namespaces: await this.namespaces.list(p, appID) };
  }

  @Post()
  create(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(NamespaceCreate)) b: z.output<typeof NamespaceCreate>,
  ) {
    const { name, ...settings } = b;
    return this.namespaces.create(p, appID, name, settings);
  }

  @Get(':name')
  get(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('name', param(NamespaceName, 'name')) name: string,
  ) {
    return this.namespaces.get(p, appID, name);
  }

  @Patch(':name')
  update(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('name', param(NamespaceName, 'name')) name: string,
    @Body(body(NamespaceUpdate)) b: z.output<typeof NamespaceUpdate>,
  ) {
    return this.namespaces.update(p, appID, name, b);
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('name', param(NamespaceName, 'name')) name: string,
  ): Promise<void> {
    await this.namespaces.delete(p, appID, name);
  }
}
