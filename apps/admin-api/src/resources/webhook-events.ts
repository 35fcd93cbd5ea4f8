import { Inject, Injectable, Logger } from '@nestjs/common';
import type { WebhookSubject, WebhookType } from '@channels/contracts';
import { WEBHOOK_EMITTER, type WebhookEmitter } from '@channels/realtime';

/**
 * admin-api's webhooks (member_added / member_removed), emitted after the change committed and was
 * applied. The change stands whatever happens here: a webhook that could not be queued (Redis
 * unreachable) is logged with everything needed to act on it, and the request still succeeds.
 */
@Injectable()
export class WebhookEvents {
  private readonly logger = new Logger(WebhookEvents.name);

  constructor(@Inject(WEBHOOK_EMITTER) private readonly emitter: WebhookEmitter) {}

  async emit(appID: string, type: WebhookType, subject: WebhookSubject): Promise<void> {
    try {
      await this.emitter.emit(appID, type, subject);
    } catch (e) {
      this.logger.error(
        `webhook ${type} of app ${appID} (${JSON.stringify(subject)}) not queued: ${(e as Error).message}`,
      );
    }
  }
}
