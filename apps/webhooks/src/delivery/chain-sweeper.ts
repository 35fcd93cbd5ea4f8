import type { WebhookChain, WebhookDispatch, WebhookOutbox } from '@channels/realtime';

export interface SweepPorts {
  outbox: WebhookOutbox;
  dispatch: WebhookDispatch;
  /** Whether a job for this delivery exists in the queue (waiting, active or delayed). */
  hasJob: (deliveryID: string) => Promise<boolean>;
}

/**
 * Finds chains whose head nobody is sending — a producer that died (or lost Redis) between
 * appending a webhook and handing it on, or a worker that died between finishing a head and
 * handing on the next — and hands their head on again. Chains left empty are forgotten. Any
 * number of replicas may sweep at once: handing on a head that has a job adds nothing.
 */
export class ChainSweeper {
  constructor(private readonly ports: SweepPorts) {}

  /** One pass over up to `limit` chains unchanged for `staleMs`; answers the heads handed on again. */
  async sweep(now: number, staleMs: number, limit: number): Promise<number> {
    let handedOn = 0;
    for (const { chain, touchedAt } of await this.ports.outbox.staleChains(now - staleMs, limit)) {
      const head = await this.ports.outbox.head(chain);
      if (head && !(await this.ports.hasJob(head))) {
        await this.ports.dispatch.deliver(jobOf(chain, head));
        handedOn++;
      }
      await this.ports.outbox.settleChain(chain, touchedAt, now);
    }
    return handedOn;
  }
}

const jobOf = (chain: WebhookChain, deliveryID: string) => ({ ...chain, deliveryID });
