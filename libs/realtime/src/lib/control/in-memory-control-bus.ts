import type { ControlMessage } from '@channels/contracts';
import type { ControlBus } from './control-bus.port';

/** In-process control bus for unit tests. */
export class InMemoryControlBus implements ControlBus {
  private readonly handlers = new Set<(m: ControlMessage) => void>();
  readonly published: ControlMessage[] = [];

  async publish(message: ControlMessage): Promise<void> {
    this.published.push(message);
    for (const h of this.handlers) h(structuredClone(message));
  }

  private readonly resyncs = new Set<() => void>();

  async subscribe(
    handler: (message: ControlMessage) => void,
    onResync?: () => void,
  ): Promise<() => Promise<void>> {
    this.handlers.add(handler);
    if (onResync) this.resyncs.add(onResync);
    return async () => {
      this.handlers.delete(handler);
      if (onResync) this.resyncs.delete(onResync);
    };
  }

  /** Tests: what a subscriber's reconnection looks like (messages may have been lost). */
  simulateReconnect(): void {
    for (const r of this.resyncs) r();
  }
}
