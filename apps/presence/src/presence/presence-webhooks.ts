import { Inject, Injectable, Logger } from '@nestjs/common';
import { channelTag } from '@channels/contracts';
import { type PresenceTransition, WEBHOOK_EMITTER, type WebhookEmitter } from '@channels/realtime';

/**
 * `client_online` / `client_offline` webhooks: exactly the transitions the presence service
 * announces as `online_status` (grace period included), per presence channel, with the same
 * timestamp in `data`. One channel's transitions are queued in the order they were decided.
 */
@Injectable()
export class PresenceWebhooks {
  private readonly logger = new Logger(PresenceWebhooks.name);

  constructor(@Inject(WEBHOOK_EMITTER) private readonly emitter: WebhookEmitter) {}

  async announce(transitions: PresenceTransition[]): Promise<void> {
    const byChannel = new Map<string, PresenceTransition[]>();
    for (const t of transitions) {
      const tag = channelTag(t.appID, t.channelID);
      const list = byChannel.get(tag);
      if (list) list.push(t);
      else byChannel.set(tag, [t]);
    }
    await Promise.all(
      [...byChannel.values()].map(async (list) => {
        for (const t of list) {
          try {
            await this.emitter.emit(t.appID, t.status ? 'client_online' : 'client_offline', {
              channelID: t.channelID,
              clientID: t.clientID,
              data: { timestamp: t.timestamp },
            });
          } catch (e) {
            this.logger.error(
              `webhook ${t.status ? 'client_online' : 'client_offline'} of ${t.appID}/${t.channelID}/${t.clientID} not queued: ${String(e)}`,
            );
          }
        }
      }),
    );
  }
}
