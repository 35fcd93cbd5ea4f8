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

  async subscribe(handler: (message: ControlMessage) => void): Promise<() => Promise<void>> {
    this.handlers.add(handler);
    return async () => void this.handlers.delete(handler);
  }
}
