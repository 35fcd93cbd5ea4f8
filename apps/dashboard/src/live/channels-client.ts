/**
 * The dashboard's live connection to the gateways, shaped like `@channels/client`
 * (`new ChannelsClient({url, appID, token})`, `client.on('state')`, `connect()`,
 * `client.channel(id)` with `on('event' | 'presence' | …)`, `subscribe()`, `presence()`), so that the
 * SDK replaces this file without touching the pages. It keeps what a live view needs: state, events
 * once and in order across reconnects (resubscribing with `recover` from the last offset), and
 * presence from the initial status plus updates, cleared while disconnected.
 */
import type {
  Ack,
  ChannelEvent,
  ClientStatusMap,
  ClientToServerEvents,
  PresenceStatus,
  ServerToClientEvents,
  SubscribeAck,
} from '@channels/contracts';
import { io, type Socket } from 'socket.io-client';

export type ClientState = 'connecting' | 'connected' | 'disconnected';

/** An error answered by the gateway (`{code, message}`), or `unauthorized` at the handshake. */
export class ChannelsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelsError';
  }
}

export interface ChannelsClientOptions {
  /** Gateway address (the deployment's one address); the page's origin when empty. */
  url: string;
  appID: string;
  token: string;
  /** socket.io path (default `/socket.io`). */
  path?: string;
}

type Handler<T> = (value: T) => void;

/** A tiny typed emitter: handlers never throw into the connection. */
class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<Handler<never>>>();

  on<K extends keyof Events>(name: K, fn: Handler<Events[K]>): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(fn as Handler<never>);
    return () => set.delete(fn as Handler<never>);
  }

  protected emit<K extends keyof Events>(name: K, value: Events[K]): void {
    for (const fn of this.handlers.get(name) ?? []) {
      try {
        (fn as Handler<Events[K]>)(value);
      } catch (e) {
        console.error(`channels: a "${String(name)}" handler threw`, e);
      }
    }
  }
}

type Wire = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ClientEvents extends Record<string, unknown> {
  state: ClientState;
  /** Why connecting failed (the handshake's refusal or a transport error). */
  error: ChannelsError;
}

export class ChannelsClient extends Emitter<ClientEvents> {
  private socket: Wire | undefined;
  private readonly channels = new Map<string, ChannelSubscription>();
  private current: ClientState = 'disconnected';

  constructor(private readonly options: ChannelsClientOptions) {
    super();
  }

  get state(): ClientState {
    return this.current;
  }

  /** Connects (socket.io reconnects by itself after that); resolves once the gateway said `ready`. */
  connect(): Promise<void> {
    if (this.socket) return this.current === 'connected' ? Promise.resolve() : this.whenReady();
    const url = this.options.url || window.location.origin;
    const socket: Wire = io(url, {
      path: this.options.path ?? '/socket.io',
      auth: { token: this.options.token, appID: this.options.appID },
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 10_000,
    });
    this.socket = socket;
    this.setState('connecting');
    socket.on('ready', () => {
      this.setState('connected');
      for (const sub of this.channels.values()) sub.resubscribe();
    });
    socket.on('disconnect', () => {
      this.setState(socket.active ? 'connecting' : 'disconnected');
      for (const sub of this.channels.values()) sub.connectionLost();
    });
    socket.on('connect_error', (err: Error) => {
      this.emit(
        'error',
        new ChannelsError(err.message === 'unauthorized' ? 'unauthorized' : 'network', err.message),
      );
      if (!socket.active) this.setState('disconnected');
    });
    socket.on('event', (e) => this.channels.get(e.channelID)?.receive(e));
    socket.on('initial_online_status', (p) =>
      this.channels.get(p.channelID)?.presenceSnapshot(p.clientStatus),
    );
    socket.on('online_status', (p) =>
      this.channels
        .get(p.channelID)
        ?.presenceUpdate(p.clientID, { status: p.status, timestamp: p.timestamp }),
    );
    socket.on('join_channel', (p) => this.channels.get(p.channelID)?.notice('join', p.clientID));
    socket.on('leave_channel', (p) => this.channels.get(p.channelID)?.notice('leave', p.clientID));
    socket.on('channel_closed', (p) => this.channels.get(p.channelID)?.notice('closed', undefined));
    socket.on('channel_opened', (p) => this.channels.get(p.channelID)?.notice('opened', undefined));
    socket.on('remove_channel', (p) => this.channels.get(p.channelID)?.notice('removed', undefined));
    return this.whenReady();
  }

  /** The subscription object of `channelID` (one per channel; subscribe it to receive). */
  channel(channelID: string): ChannelSubscription {
    let sub = this.channels.get(channelID);
    if (!sub) {
      sub = new ChannelSubscription(channelID, (payload) => this.call(payload));
      this.channels.set(channelID, sub);
    }
    return sub;
  }

  async disconnect(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
    for (const sub of this.channels.values()) sub.connectionLost();
    this.channels.clear();
    this.setState('disconnected');
  }

  private whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const offState = this.on('state', (s) => {
        if (s === 'connected') done(() => resolve());
        else if (s === 'disconnected') done(() => reject(new ChannelsError('disconnected', 'not connected')));
      });
      const offError = this.on('error', (e) => {
        if (e.code === 'unauthorized') done(() => reject(e));
      });
      const done = (fn: () => void) => {
        offState();
        offError();
        fn();
      };
    });
  }

  private call(payload: Parameters<ClientToServerEvents['subscribe']>[0] | { unsubscribe: string }) {
    const socket = this.socket;
    return new Promise<Ack<SubscribeAck> | Ack>((resolve) => {
      if (!socket || this.current !== 'connected') {
        resolve({ ok: false, error: { code: 'unavailable', message: 'not connected' } });
        return;
      }
      if ('unsubscribe' in payload) socket.emit('unsubscribe', { channels: [payload.unsubscribe] }, resolve);
      else
        socket
          .timeout(10_000)
          .emit('subscribe', payload, (err: Error | null, ack: Ack<SubscribeAck>) =>
            resolve(
              err
                ? { ok: false, error: { code: 'unavailable', message: 'the gateway did not answer in time' } }
                : ack,
            ),
          );
    });
  }

  private setState(s: ClientState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }
}

export interface ChannelEvents extends Record<string, unknown> {
  /** An event of the channel: each once, in offset order (also the ones recovered after a reconnect). */
  event: ChannelEvent;
  /** Who is online (presence channels), after every change. */
  presence: ReadonlyMap<string, PresenceStatus>;
  join: string;
  leave: string;
  closed: undefined;
  opened: undefined;
  /** The channel was deleted, or this identity removed from it. */
  removed: undefined;
  /** Subscribed (again, after a reconnect). */
  subscribed: undefined;
  /** The subscribe was refused. */
  error: ChannelsError;
}

type Caller = (
  payload: Parameters<ClientToServerEvents['subscribe']>[0] | { unsubscribe: string },
) => Promise<Ack<SubscribeAck> | Ack>;

export class ChannelSubscription extends Emitter<ChannelEvents> {
  private wanted = false;
  private position: { offset: number; epoch: string } | undefined;
  private statuses = new Map<string, PresenceStatus>();

  constructor(
    readonly channelID: string,
    private readonly call: Caller,
  ) {
    super();
  }

  /** Online members and the recently gone, by client id. */
  presence(): ReadonlyMap<string, PresenceStatus> {
    return this.statuses;
  }

  /** Subscribes (and again after every reconnect, recovering what was missed). */
  async subscribe(): Promise<void> {
    this.wanted = true;
    await this.send();
  }

  async unsubscribe(): Promise<void> {
    this.wanted = false;
    this.connectionLost();
    await this.call({ unsubscribe: this.channelID });
  }

  /** @internal */
  resubscribe(): void {
    if (this.wanted) this.send().catch((e: unknown) => this.emit('error', e as ChannelsError));
  }

  /** @internal The connection is gone: presence is unknown until subscribed again. */
  connectionLost(): void {
    if (this.statuses.size === 0) return;
    this.statuses = new Map();
    this.emit('presence', this.statuses);
  }

  /** @internal */
  receive(e: ChannelEvent): void {
    if (e.offset !== undefined && e.epoch !== undefined) {
      if (this.position && this.position.epoch === e.epoch && e.offset <= this.position.offset) return;
      this.position = { offset: e.offset, epoch: e.epoch };
    }
    this.emit('event', e);
  }

  /** @internal */
  presenceSnapshot(map: ClientStatusMap): void {
    this.statuses = new Map(Object.entries(map));
    this.emit('presence', this.statuses);
  }

  /** @internal */
  presenceUpdate(clientID: string, status: PresenceStatus): void {
    this.statuses = new Map(this.statuses).set(clientID, status);
    this.emit('presence', this.statuses);
  }

  /** @internal */
  notice(name: 'join' | 'leave' | 'closed' | 'opened' | 'removed', value: string | undefined): void {
    if (name === 'join' || name === 'leave') this.emit(name, value ?? '');
    else this.emit(name, undefined);
  }

  private async send(): Promise<void> {
    const recover = this.position ? { [this.channelID]: this.position } : undefined;
    const ack = (await this.call({
      channels: [this.channelID],
      ...(recover ? { recover } : {}),
    })) as Ack<SubscribeAck>;
    if (!ack.ok) throw new ChannelsError(ack.error.code, ack.error.message);
    const r = ack.results[this.channelID];
    if (!r?.ok) {
      const err = new ChannelsError(
        r?.error?.code ?? 'unavailable',
        r?.error?.message ?? 'subscribe refused',
      );
      this.emit('error', err);
      throw err;
    }
    for (const e of r.events ?? []) this.receive(e);
    const at = this.position;
    if (
      r.offset !== undefined &&
      r.epoch !== undefined &&
      (!at || at.epoch !== r.epoch || r.offset > at.offset)
    ) {
      this.position = { offset: r.offset, epoch: r.epoch };
    }
    this.emit('subscribed', undefined);
  }
}
