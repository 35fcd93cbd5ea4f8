import type { ReadyPayload } from '@channels/contracts';
import type {
  RequestName,
  ServerEventName,
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportOptions,
} from './transport';

/** A call the client sent; the test answers it like the server would. */
export interface FakeCall {
  name: RequestName;
  payload: Record<string, unknown>;
  answer(response: unknown): void;
}

/**
 * One connection attempt as the server sees it: the test accepts or refuses it, pushes server
 * events, answers calls and drops it. Nothing happens unless the test says so.
 */
export class FakeConnection implements Transport {
  readonly calls: FakeCall[] = [];
  closedByClient = false;
  private ended = false;

  constructor(
    readonly options: TransportOptions,
    private readonly handlers: TransportHandlers,
  ) {}

  send(name: RequestName, payload: unknown, ack: (response: unknown) => void): void {
    if (this.ended) throw new Error(`the client sent ${name} on a closed connection`);
    this.calls.push({ name, payload: payload as Record<string, unknown>, answer: ack });
  }

  close(): void {
    this.closedByClient = true;
    this.ended = true;
  }

  get open(): boolean {
    return !this.ended;
  }

  accept(info: Partial<ReadyPayload> = {}): void {
    this.handlers.ready({
      appID: this.options.auth.appID,
      clientID: 'alice',
      deviceID: 'device-1',
      connectionID: 'conn-1',
      ...info,
    });
  }

  refuse(code: string, message = code): void {
    this.ended = true;
    this.handlers.connectError(code, message);
  }

  drop(reason = 'transport close'): void {
    this.ended = true;
    this.handlers.closed(reason);
  }

  push(name: ServerEventName, payload: unknown): void {
    this.handlers.message(name, payload);
  }

  /** Calls named `name` sent so far, oldest first. */
  sent(name: RequestName): FakeCall[] {
    return this.calls.filter((c) => c.name === name);
  }

  /** The only call named `name`; fails the test when there is not exactly one. */
  one(name: RequestName): FakeCall {
    const calls = this.sent(name);
    if (calls.length !== 1) throw new Error(`expected one ${name} call, got ${calls.length}`);
    return calls[0];
  }
}

/** Records every connection attempt of a client (`transport: server.factory`). */
export class FakeServer {
  readonly connections: FakeConnection[] = [];

  readonly factory: TransportFactory = (options, handlers) => {
    const c = new FakeConnection(options, handlers);
    this.connections.push(c);
    return c;
  };

  /** The latest connection attempt. */
  get last(): FakeConnection {
    const c = this.connections[this.connections.length - 1];
    if (!c) throw new Error('the client has not tried to connect');
    return c;
  }
}

/** Lets pending promise callbacks (token fetches, awaited acks) run. */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
