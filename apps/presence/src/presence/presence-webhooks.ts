import { Inject, Injectable, Logger } from '@nestjs/common';
import { channelTag } from '@channels/contracts';
import { type PresenceTransition, WEBHOOK_EMITTER, type WebhookEmitter } from '@channels/realtime';

/**
 * `client_online` / `client_offline` webhooks: exactly the transitions the presence service
 * announces as `online_status` (grace period included), per presence channel, with the same
 * timestamp in `data`. One channel's transitions are queued in the order they were decided.
 */
/** How long a webhook the emitter refuses is retried before it is given up (and logged). */
const RETRY_FOR_MS = 60_000;

@Injectable()
export class PresenceWebhooks {
  private readonly logger = new Logger(PresenceWebhooks.name);

  constructor(@Inject(WEBHOOK_EMITTER) private readonly emitter: WebhookEmitter) {}

  /**
   * Queues one transition's webhook, retrying with backoff while Redis refuses (for up to
   * `RETRY_FOR_MS`: the transitions themselves live in Redis, so an outage stalls them too);
   * beyond that the webhook is logged with everything needed to act on it.
   */
  private async queue(t: PresenceTransition): Promise<void> {
    const type = t.status ? 'client_online' : 'client_offline';
    const started = Date.now();
    for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.emitter.emit(t.appID, type, {
          channelID: t.channelID,
          clientID: t.clientID,
          data: { timestamp: t.timestamp },
        });
        return;
      } catch (e) {
        if (Date.now() - started > RETRY_FOR_MS) {
          this.logger.error(
            `webhook ${type} of ${t.appID}/${t.channelID}/${t.clientID} not queued: ${String(e)}`,
          );
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

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
        for (const t of list) await this.queue(t);
      }),
    );
  }
}
