import { Injectable } from '@nestjs/common';
import type { WebhookSubject, WebhookType } from '@channels/contracts';
import { LiveEffects } from './live-effects.service';

/**
 * admin-api's webhooks (member_added / member_removed), queued after the change committed, as one
 * more of its live effects: in order after the control messages, and — when Redis is unreachable —
 * kept and retried with them until it answers, so an outage delays a webhook but does not lose it.
 */
@Injectable()
export class WebhookEvents {
  constructor(private readonly effects: LiveEffects) {}

  async emit(appID: string, type: WebhookType, subject: WebhookSubject): Promise<void> {
    await this.effects.apply([{ kind: 'webhook', appID, type, subject }]);
  }
}
