/** Listener signatures by event name. */
export type EventMap<Events> = { [E in keyof Events]: (...args: never[]) => void };

/** Where an exception thrown by a listener goes (it never reaches the SDK's own code). */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/**
 * A small typed event emitter. A listener that throws does not stop the others nor the SDK: its
 * exception is passed to `onListenerError`.
 */
export class Emitter<Events extends EventMap<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  constructor(private readonly onListenerError: ListenerErrorHandler) {}

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener called at most once. */
  once<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const wrapper = ((...args: Parameters<Events[E]>) => {
      off();
      listener(...args);
    }) as Events[E];
    const off = this.on(event, wrapper);
    return off;
  }

  /** Removes a listener (or every listener of `event` when none is given). */
  off<E extends keyof Events>(event: E, listener?: Events[E]): void {
    if (!listener) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(listener);
  }

  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (e) {
        this.onListenerError(e, String(event));
      }
    }
  }
}
