import {
  call,
  connectClient,
  eventually,
  OptimizedClient,
  OptimizedConnectError,
  type OptimizedFrame,
} from '@channels/testing';
import type { Socket } from 'socket.io-client';

/**
 * What both realtime transports can express, behind one interface, so the realtime contract
 * scenarios run unchanged over socket.io and over the original product's `/optimized` wire — and
 * over mixed pairs (a publisher on one transport, subscribers on the other).
 */

export type TransportName = 'socket.io' | 'optimized';

export interface Credentials {
  token: string;
  appID: string;
  deviceID?: string;
}

/** An event of a subscribed channel as the transport delivered it. */
export interface ReceivedEvent {
  channelID: string;
  eventType: string;
  /** As the protocol gives it: socket.io the JSON value, `/optimized` its text. */
  payload: unknown;
  senderID: string;
  /** Server time, unix seconds (socket.io's milliseconds truncated). */
  seconds: number;
  /** socket.io only (stored events): the channel offset. */
  offset?: number;
}

export type PresenceNotice =
  | { kind: 'initial'; channelID: string; clientStatus: Record<string, boolean> }
  | { kind: 'online' | 'offline'; channelID: string; clientID: string };

export type MembershipNotice =
  | { kind: 'new_channel' | 'remove_channel'; channelID: string }
  | { kind: 'join' | 'leave'; channelID: string; clientID: string };

/** How a connection ended: `byServer` when the client did not close it itself. */
export interface Ended {
  byServer: boolean;
  detail: string;
}

/** A connect the server refused; `outcome` is uniform across transports. */
export class RefusedConnect extends Error {
  constructor(
    readonly outcome: 'unauthorized' | 'other',
    readonly detail: string,
  ) {
    super(`connect refused (${outcome}): ${detail}`);
    this.name = 'RefusedConnect';
  }
}

export interface PublishOptions {
  /** socket.io: with an ack callback; `/optimized`: `ID != 0`. Acked publishes are stored. */
  acked: boolean;
}

export interface RealtimeConnection {
  readonly transport: TransportName;
  readonly clientID: string;
  /** Every event received, in arrival order. */
  readonly events: ReceivedEvent[];
  /** Presence notices (initial, online, offline), in arrival order. */
  readonly presence: PresenceNotice[];
  /** Membership notices (new_channel, remove_channel, join, leave), in arrival order. */
  readonly membership: MembershipNotice[];
  /**
   * `initial:<channelID>` and `subscribed:<channelID>` (a subscribe's answer), as each arrived: the
   * initial status of a presence channel comes before the answer.
   */
  readonly order: string[];
  /** Settles when the connection ends. */
  readonly ended: Promise<Ended>;
  readonly isOpen: boolean;
  /** Subscribes to one channel; resolves with whether the server accepted. */
  subscribe(channelID: string): Promise<boolean>;
  /**
   * Publishes a text payload. Acked: resolves with the server's answer. Not acked: resolves
   * (undefined) once sent; nothing answers.
   */
  publish(
    channelID: string,
    eventType: string,
    payload: string,
    o: PublishOptions,
  ): Promise<boolean | undefined>;
  /** Payloads received on `channelID`, in arrival order. */
  payloads(channelID: string): unknown[];
  /** Test hook: stops reading from the TCP connection (a consumer that stalls). */
  stopReading(): void;
  close(): Promise<void>;
}

export interface RealtimeDriver {
  readonly name: TransportName;
  /** Opens a connection to the gateway at `url`; rejects with `RefusedConnect` when refused. */
  connect(url: string, credentials: Credentials): Promise<RealtimeConnection>;
}

abstract class BaseConnection {
  readonly events: ReceivedEvent[] = [];
  readonly presence: PresenceNotice[] = [];
  readonly membership: MembershipNotice[] = [];
  readonly order: string[] = [];
  protected closing = false;

  constructor(readonly clientID: string) {}

  payloads(channelID: string): unknown[] {
    return this.events.filter((e) => e.channelID === channelID).map((e) => e.payload);
  }
}

// ---------------------------------------------------------------------------------------------
// socket.io

type SioEvent = {
  channelID: string;
  eventType: string;
  payload: unknown;
  senderID: string;
  timestamp: number;
  offset?: number;
};
type SioSubscribeAck = { ok: boolean; results?: Record<string, { ok: boolean }> };

class SocketIoConnection extends BaseConnection implements RealtimeConnection {
  readonly transport = 'socket.io' as const;
  readonly ended: Promise<Ended>;

  constructor(
    readonly socket: Socket,
    clientID: string,
  ) {
    super(clientID);
    this.ended = new Promise((resolve) =>
      socket.on('disconnect', (reason: string) => resolve({ byServer: !this.closing, detail: reason })),
    );
    socket.on('event', (e: SioEvent) =>
      this.events.push({
        channelID: e.channelID,
        eventType: e.eventType,
        payload: e.payload,
        senderID: e.senderID,
        seconds: Math.floor(e.timestamp / 1000),
        ...(e.offset !== undefined ? { offset: e.offset } : {}),
      }),
    );
    socket.on(
      'initial_online_status',
      (p: { channelID: string; clientStatus: Record<string, { status: boolean }> }) => {
        this.order.push(`initial:${p.channelID}`);
        this.presence.push({
          kind: 'initial',
          channelID: p.channelID,
          clientStatus: Object.fromEntries(Object.entries(p.clientStatus).map(([id, s]) => [id, s.status])),
        });
      },
    );
    socket.on('online_status', (p: { channelID: string; clientID: string; status: boolean }) =>
      this.presence.push({
        kind: p.status ? 'online' : 'offline',
        channelID: p.channelID,
        clientID: p.clientID,
      }),
    );
    for (const kind of ['new_channel', 'remove_channel'] as const)
      socket.on(kind, (p: { channelID: string }) => this.membership.push({ kind, channelID: p.channelID }));
    socket.on('join_channel', (p: { channelID: string; clientID: string }) =>
      this.membership.push({ kind: 'join', channelID: p.channelID, clientID: p.clientID }),
    );
    socket.on('leave_channel', (p: { channelID: string; clientID: string }) =>
      this.membership.push({ kind: 'leave', channelID: p.channelID, clientID: p.clientID }),
    );
  }

  get isOpen(): boolean {
    return this.socket.connected;
  }

  stopReading(): void {
    // engine.io-client's WebSocket transport holds a `ws` WebSocket; `_socket` is its TCP socket.
    const transport = this.socket.io.engine.transport as unknown as { ws?: { _socket?: { pause(): void } } };
    transport.ws?._socket?.pause();
  }

  async subscribe(channelID: string): Promise<boolean> {
    // The answer is noted in `order` as it arrives (the callback runs on the ack packet).
    const ack = await new Promise<SioSubscribeAck>((resolve, reject) =>
      this.socket
        .timeout(10_000)
        .emit('subscribe', { channels: [channelID] }, (err: Error | null, a: SioSubscribeAck) => {
          if (err) return reject(err);
          this.order.push(`subscribed:${channelID}`);
          resolve(a);
        }),
    );
    return ack.ok === true && ack.results?.[channelID]?.ok === true;
  }

  async publish(channelID: string, eventType: string, payload: string, o: PublishOptions) {
    const body = { channelID, eventType, payload };
    if (!o.acked) {
      this.socket.emit('publish', body);
      return undefined;
    }
    return (await call<{ ok: boolean }>(this.socket, 'publish', body)).ok === true;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.socket.connected) this.socket.disconnect();
    await Promise.race([this.ended, new Promise((r) => setTimeout(r, 2_000))]);
  }
}

export const socketIoDriver: RealtimeDriver = {
  name: 'socket.io',
  async connect(url, c) {
    try {
      const { socket, ready } = await connectClient(url, {
        token: c.token,
        appID: c.appID,
        ...(c.deviceID ? { deviceID: c.deviceID } : {}),
      });
      return new SocketIoConnection(socket, ready['clientID'] ?? '');
    } catch (e) {
      const { message, data } = e as Error & { data?: { message?: string } };
      const detail = data?.message ? `${message}: ${data.message}` : message;
      throw new RefusedConnect(message === 'unauthorized' ? 'unauthorized' : 'other', detail);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// /optimized

class OptimizedConnection extends BaseConnection implements RealtimeConnection {
  readonly transport = 'optimized' as const;
  readonly ended: Promise<Ended>;
  /** Request IDs; `/optimized` ACKs name the request they answer. */
  private nextID = 1;
  private seen = 0;
  /** Channel of each SUBSCRIBE awaiting its ACK, by request ID. */
  private readonly subscribing = new Map<number, string>();

  constructor(
    readonly client: OptimizedClient,
    clientID: string,
  ) {
    super(clientID);
    this.ended = client.closed.then(({ code, reason }) => ({
      byServer: !this.closing,
      detail: `${code} ${reason}`,
    }));
    // The client records every frame; translate the new ones as they arrive.
    client.ws.on('message', () => this.drain());
  }

  private drain(): void {
    for (; this.seen < this.client.frames.length; this.seen++) this.translate(this.client.frames[this.seen]);
  }

  private translate(f: OptimizedFrame): void {
    switch (f.type) {
      case 'PUBLISH': {
        const e = (f as OptimizedFrame<'PUBLISH'>).payload;
        this.events.push({
          channelID: e.channelID,
          eventType: e.eventType,
          payload: e.payload,
          senderID: e.senderID,
          seconds: Number(e.timestamp),
        });
        return;
      }
      case 'INITIAL_ONLINE_STATUS': {
        const p = (f as OptimizedFrame<'INITIAL_ONLINE_STATUS'>).payload;
        this.order.push(`initial:${p.channelID}`);
        this.presence.push({
          kind: 'initial',
          channelID: p.channelID,
          clientStatus: Object.fromEntries(Object.entries(p.clientStatus).map(([id, s]) => [id, s.status])),
        });
        return;
      }
      case 'ONLINE_STATUS': {
        const p = (f as OptimizedFrame<'ONLINE_STATUS'>).payload;
        this.presence.push({
          kind: p.status ? 'online' : 'offline',
          channelID: p.channelID,
          clientID: p.clientID,
        });
        return;
      }
      case 'NEW_CHANNEL':
      case 'REMOVE_CHANNEL':
        this.membership.push({
          kind: f.type === 'NEW_CHANNEL' ? 'new_channel' : 'remove_channel',
          channelID: f.payload as string,
        });
        return;
      case 'JOIN_CHANNEL':
      case 'LEAVE_CHANNEL': {
        const p = (f as OptimizedFrame<'JOIN_CHANNEL'>).payload;
        this.membership.push({
          kind: f.type === 'JOIN_CHANNEL' ? 'join' : 'leave',
          channelID: p.channelID,
          clientID: p.clientID,
        });
        return;
      }
      case 'ACK': {
        const channelID = this.subscribing.get((f as OptimizedFrame<'ACK'>).payload.replyTo);
        if (channelID !== undefined) this.order.push(`subscribed:${channelID}`);
        return;
      }
      default:
        return;
    }
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  stopReading(): void {
    (this.client.ws as unknown as { _socket?: { pause(): void } })._socket?.pause();
  }

  async subscribe(channelID: string): Promise<boolean> {
    const ID = this.nextID++;
    this.subscribing.set(ID, channelID);
    try {
      const { ack } = await this.client.subscribe(channelID, ID);
      this.drain();
      return ack.status;
    } finally {
      this.subscribing.delete(ID);
    }
  }

  async publish(channelID: string, eventType: string, payload: string, o: PublishOptions) {
    const ID = o.acked ? this.nextID++ : 0;
    const ack = await this.client.publish({ ID, channelID, eventType, payload });
    return ack?.status;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.close();
  }
}

export const optimizedDriver: RealtimeDriver = {
  name: 'optimized',
  async connect(url, c) {
    try {
      const client = await OptimizedClient.connect(url, {
        token: c.token,
        appID: c.appID,
        ...(c.deviceID ? { deviceID: c.deviceID } : {}),
      });
      // /optimized has no `ready`; the client is the token's.
      return new OptimizedConnection(client, clientOfToken(c.token));
    } catch (e) {
      if (e instanceof OptimizedConnectError)
        throw new RefusedConnect(e.status === 401 ? 'unauthorized' : 'other', `HTTP ${e.status} ${e.body}`);
      throw new RefusedConnect('other', (e as Error).message);
    }
  },
};

export const DRIVERS: Record<TransportName, RealtimeDriver> = {
  'socket.io': socketIoDriver,
  optimized: optimizedDriver,
};

/** Both transports, for `describe.each`. */
export const TRANSPORTS: TransportName[] = ['socket.io', 'optimized'];

/** Every (first, second) pair of transports, for scenarios between two connections. */
export const TRANSPORT_PAIRS: [TransportName, TransportName][] = TRANSPORTS.flatMap((a) =>
  TRANSPORTS.map((b) => [a, b] as [TransportName, TransportName]),
);

function clientOfToken(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof claims.ClientID === 'string' ? claims.ClientID : '';
  } catch {
    return '';
  }
}

/** Waits until `list` holds an item matching `predicate`, and returns it. */
export async function waitForItem<T>(
  list: readonly T[],
  predicate: (item: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  await eventually(() => list.some(predicate), what, timeoutMs);
  return list.find(predicate) as T;
}
