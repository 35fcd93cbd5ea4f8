import type { ControlMessage } from '@channels/contracts';

/** Injection token of the `ControlBus`. */
export const CONTROL_BUS = Symbol('CONTROL_BUS');

/** Control commands to every gateway (member added/removed, channel closed, disconnect…). */
export interface ControlBus {
  publish(message: ControlMessage): Promise<void>;
  /**
   * Subscribes; returns an unsubscribe function. `onResync` is called once the subscription is
   * back after its connection dropped: messages sent meanwhile may be lost, so whatever they would
   * have invalidated must be dropped then.
   */
  subscribe(handler: (message: ControlMessage) => void, onResync?: () => void): Promise<() => Promise<void>>;
}
