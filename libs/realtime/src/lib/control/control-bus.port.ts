import type { ControlMessage } from '@channels/contracts';

/** Injection token of the `ControlBus`. */
export const CONTROL_BUS = Symbol('CONTROL_BUS');

/** Control commands to every gateway (member added/removed, channel closed, disconnect…). */
export interface ControlBus {
  publish(message: ControlMessage): Promise<void>;
  /** Subscribes; returns an unsubscribe function. */
  subscribe(handler: (message: ControlMessage) => void): Promise<() => Promise<void>>;
}
