import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { body, param, query } from '../http/zod-pipe';
import { WebhooksService } from '../resources/webhooks.service';
import { AppID, WebhookDeliveryID, WebhookDeliveryQuery, WebhookSettingsBody } from './v1.schemas';

/** `/v1/apps/:appID/webhooks`: the app's webhook setting and its deliveries (protocol §5.4). */
@Controller('v1/apps/:appID/webhooks')
@UseGuards(AuthGuard, RateLimitGuard)
export class V1WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  get(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string) {
    return this.webhooks.get(p, appID);
  }

  @Put()
  put(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Body(body(WebhookSettingsBody)) b: z.output<typeof WebhookSettingsBody>,
  ) {
    return this.webhooks.put(p, appID, { url: b.url, types: b.types });
  }

  @Delete()
  @HttpCode(204)
  async remove(@Auth() p: Principal, @Param('appID', param(AppID, 'appID')) appID: string): Promise<void> {
    await this.webhooks.delete(p, appID);
  }

  @Get('deliveries')
  async deliveries(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Query(query(WebhookDeliveryQuery)) q: z.output<typeof WebhookDeliveryQuery>,
  ) {
    const page = await this.webhooks.deliveries(p, appID, {
      limit: q.limit,
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
    });
    return { deliveries: page.items, nextCursor: page.nextCursor };
  }

  @Post('deliveries/:deliveryID/retry')
  @HttpCode(202)
  retry(
    @Auth() p: Principal,
    @Param('appID', param(AppID, 'appID')) appID: string,
    @Param('deliveryID', param(WebhookDeliveryID, 'deliveryID')) deliveryID: string,
  ) {
    return this.webhooks.retry(p, appID, deliveryID);
  }
}
