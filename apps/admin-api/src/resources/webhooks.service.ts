import { Inject, Injectable, Logger } from '@nestjs/common';
import { assertAdminOf } from '@channels/auth';
import {
  ChannelsError,
  ErrorCode,
  type Principal,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookSettings,
} from '@channels/contracts';
import { AppRepository, type Page, WebhookRepository } from '@channels/db';
import {
  WEBHOOK_DISPATCH,
  WEBHOOK_SETTINGS,
  type WebhookDispatch,
  type WebhookSettingsCache,
} from '@channels/realtime';
import { conflict, notFound } from './errors';
import { LiveEffects } from './live-effects.service';

/**
 * An app's webhook setting and its deliveries (protocol §5.4). A change is committed in Postgres,
 * written to the copy in Redis that producers read, and announced (`webhooks_updated`) so every
 * producer drops its cached copy at once. When the Redis write fails, the webhooks service's
 * periodic re-sync from Postgres heals the copy.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly apps: AppRepository,
    private readonly webhooks: WebhookRepository,
    private readonly effects: LiveEffects,
    @Inject(WEBHOOK_SETTINGS) private readonly settingsCopy: WebhookSettingsCache,
    @Inject(WEBHOOK_DISPATCH) private readonly dispatch: WebhookDispatch,
  ) {}

  async get(p: Principal, appID: string): Promise<WebhookSettings> {
    assertAdminOf(p, appID);
    const settings = await this.webhooks.settings(appID);
    if (settings) return settings;
    await this.requireApp(appID);
    throw notFound(`webhook setting of app ${appID}`);
  }

  async put(p: Principal, appID: string, settings: WebhookSettings): Promise<WebhookSettings> {
    assertAdminOf(p, appID);
    const saved = await this.webhooks.putSettings(appID, settings);
    await this.announce(appID, saved.types);
    return saved;
  }

  /** Turns the app's webhooks off; webhooks already queued are recorded as failed (retryable). */
  async delete(p: Principal, appID: string): Promise<void> {
    assertAdminOf(p, appID);
    if (!(await this.webhooks.deleteSettings(appID))) {
      await this.requireApp(appID);
      throw notFound(`webhook setting of app ${appID}`);
    }
    await this.announce(appID, null);
  }

  async deliveries(
    p: Principal,
    appID: string,
    q: { status?: WebhookDeliveryStatus; limit: number; cursor?: string },
  ): Promise<Page<WebhookDelivery>> {
    assertAdminOf(p, appID);
    await this.requireApp(appID);
    return this.webhooks.list(appID, q);
  }

  /** Sends a failed delivery again (same id and body); any other state is a conflict. */
  async retry(p: Principal, appID: string, deliveryID: string): Promise<WebhookDelivery> {
    assertAdminOf(p, appID);
    const found = await this.webhooks.markForRetry(appID, deliveryID);
    if (!found) {
      await this.requireApp(appID);
      throw notFound(`webhook delivery ${deliveryID}`);
    }
    if (!found.marked)
      throw conflict(
        `webhook delivery ${deliveryID} is ${found.delivery.status}; only failed deliveries can be retried`,
      );
    try {
      await this.dispatch.retry({ appID, deliveryID });
    } catch (e) {
      await this.webhooks.unmarkRetry(appID, deliveryID).catch(() => undefined);
      throw new ChannelsError(
        ErrorCode.Unavailable,
        `the webhooks queue is unavailable: ${(e as Error).message}`,
      );
    }
    return found.delivery;
  }

  private async announce(appID: string, types: WebhookSettings['types'] | null): Promise<void> {
    await this.settingsCopy.mirror(appID, types).catch((e: unknown) => {
      this.logger.warn(
        `webhook settings of ${appID} not copied to Redis (${String(e)}); the periodic sync will`,
      );
    });
    await this.effects.apply([{ kind: 'control', message: { type: 'webhooks_updated', appID } }]);
  }

  private async requireApp(appID: string): Promise<void> {
    if (!(await this.apps.exists(appID))) throw notFound(`app ${appID}`);
  }
}
