import type {
  ChannelRef,
  ChannelsAck,
  NewSubscriptionPayload,
  ReadyPayload,
  RefreshAck,
  SubscribeAck,
} from '@channels/contracts';
import { backoffDelay } from './backoff';
import { ChannelSubscription, type ChannelHost } from './channel-subscription';
import { ChannelsError, errorFromBody } from './channels-error';
import { Emitter } from './emitter';
import { socketIoTransport } from './socket-io-transport';
import { TokenSource } from './token-source';
import type { RequestName, ServerEventName, Transport, TransportFactory } from './transport';
import type {
  ChannelsClientOptions,
  ChannelsPage,
  ChannelsQuery,
  ClientEvents,
  ConnectionState,
} from './types';

/** Refusals the server announces (protocol §3); other connect errors are network failures. */
const SERVER_REFUSALS: ReadonlySet<string> = new Set(['unauthorized', 'too_many_connections', 'unavailable']);

interface PendingRequest {
  name: RequestName;
  payload: unknown;
  publish: boolean;
  /** Sent again after a reconnection when unanswered (else it fails with `disconnected`). */
  resend: boolean;
  /** The connection generation it was sent on (undefined: waiting to be sent). */
  sentOn: number | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve(value: object): void;
  reject(error: ChannelsError): void;
}

/**
 * A connection to Channels that keeps its promises across failures: it reconnects by itself
 * (jittered exponential backoff, also through `unavailable`), refreshes its token before it
 * expires (with `getToken`), resubscribes every channel recovering what was missed, re-sends
 * unacknowledged publishes with their idempotency id, and delivers each event once, in order.
 *
 * ```ts
 * const client = new ChannelsClient({ url: 'http://localhost:8080', appID: 'demo', token });
 * await client.connect();
 * const room = client.channel('general');
 * room.on('event', (e) => console.log(e.offset, e.payload));
 * await room.subscribe();
 * await room.publish('chat', { text: 'hi' });
 * ```
 */
export class ChannelsClient extends Emitter<ClientEvents> {
  private readonly options: ChannelsClientOptions;
  private readonly tokens: TokenSource;
  private readonly transportFactory: TransportFactory;
  private readonly subscriptions = new Map<string, ChannelSubscription>();
  private readonly pending: PendingRequest[] = [];
  private readonly host: ChannelHost;
  private _state: ConnectionState = 'disconnected';
  private transport: Transport | undefined;
  /** Bumped for every connection attempt and by `disconnect()`: stale callbacks are ignored. */
  private generation = 0;
  /** Failed attempts since the last successful connection (the backoff exponent). */
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The application wants a connection (`connect()` called, `disconnect()` not). */
  private wanted = false;
  private deviceID: string | undefined;
  private _ready: ReadyPayload | undefined;
  private connectWaiters: { resolve(): void; reject(e: ChannelsError): void }[] = [];

  constructor(options: ChannelsClientOptions) {
    const onListenerError =
      options?.onListenerError ??
      ((error: unknown, event: string) =>
        console.error(`@channels/client: a "${event}" listener threw`, error));
    super(onListenerError);
    if (!options || typeof options.url !== 'string' || options.url.length === 0)
      throw new TypeError('ChannelsClient: `url` is required (e.g. "http://localhost:8080")');
    if (typeof options.appID !== 'string' || options.appID.length === 0)
      throw new TypeError('ChannelsClient: `appID` is required');
    if (options.token === undefined && options.getToken === undefined)
      throw new TypeError('ChannelsClient: pass `token` or `getToken`');
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length === 0))
      throw new TypeError('ChannelsClient: `token` must be a non-empty string');
    if (options.getToken !== undefined && typeof options.getToken !== 'function')
      throw new TypeError('ChannelsClient: `getToken` must be a function returning a promise of a token');
    this.options = options;
    this.tokens = new TokenSource(options.token, options.getToken);
    this.transportFactory = options.transport ?? socketIoTransport;
    this.deviceID = options.deviceID;
    const isConnected = () => this._state === 'connected';
    this.host = {
      get connected() {
        return isConnected();
      },
      onListenerError,
      retryDelay: (n) => backoffDelay(n, this.options.reconnect),
      subscribe: (channels) => this.subscribeOnWire(channels),
      request: (name, payload, o) => this.request(name, payload, o),
    };
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this._state;
  }

  /** What the server said about the current connection (`ready`), while connected. */
  get connection(): ReadyPayload | undefined {
    return this._ready && { ...this._ready };
  }

  /** Publishes waiting for their acknowledgement (queued while disconnected, or in flight). */
  get queuedPublishes(): number {
    return this.pending.filter((r) => r.publish).length;
  }

  /**
   * Connects and resolves once connected. Failed attempts are retried with backoff
   * (`disconnected` events tell why); it rejects only when the token is refused for good
   * (`unauthorized`: no `getToken`, or a fresh token was refused too) or on `disconnect()`.
   */
  connect(): Promise<void> {
    if (this._state === 'connected') return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (!this.wanted) {
      this.wanted = true;
      this.failures = 0;
      this.setState('connecting');
      void this.open();
    }
    return done;
  }

  /**
   * Closes the connection and stops reconnecting. Unacknowledged calls and queued publishes are
   * rejected with `disconnected`. Channels stay as they are: `connect()` resubscribes them,
   * recovering what was published meanwhile.
   */
  async disconnect(): Promise<void> {
    const was = this._state;
    this.wanted = false;
    this.stop(new ChannelsError('disconnected', 'the client was disconnected'));
    if (was !== 'disconnected')
      this.emit('disconnected', { reason: 'io client disconnect', willReconnect: false });
  }

  /**
   * The channel object for `channelID` (one per id: calling again returns the same object).
   * Subscribe with `subscribe()`; publish, history and presence work without a subscription.
   */
  channel(channelID: string): ChannelSubscription {
    if (typeof channelID !== 'string' || channelID.length === 0 || channelID.length > 100)
      throw new TypeError('channel: the id must be 1-100 characters');
    let sub = this.subscriptions.get(channelID);
    if (!sub) this.subscriptions.set(channelID, (sub = new ChannelSubscription(channelID, this.host)));
    return sub;
  }

  /** The channel objects created so far (by `channel()` or a server-side subscription). */
  get channels(): ReadonlyMap<string, ChannelSubscription> {
    return new Map(this.subscriptions);
  }

  /** One page of the channels this client may use (`open`, or `private` ones it is a member of). */
  async listChannels(query: ChannelsQuery): Promise<ChannelsPage> {
    const ack = await this.request<ChannelsAck>('channels', query, { resend: true });
    return { channels: ack.channels, nextCursor: ack.nextCursor };
  }

  // ---- connection lifecycle ----

  private async open(): Promise<void> {
    const generation = ++this.generation;
    let credentials: { token: string; fresh: boolean };
    try {
      credentials = await this.tokens.current();
    } catch (e) {
      if (generation !== this.generation || !this.wanted) return;
      const error =
        e instanceof ChannelsError
          ? e
          : new ChannelsError(
              'unauthorized',
              `getToken() failed: ${e instanceof Error ? e.message : String(e)}`,
            );
      this.emit('error', error);
      if (this.tokens.refreshable) this.retry('get_token_failed');
      else this.fail(error);
      return;
    }
    if (generation !== this.generation || !this.wanted) return;
    const current = () => generation === this.generation;
    this.transport = this.transportFactory(
      {
        url: this.options.url,
        ...(this.options.path !== undefined ? { path: this.options.path } : {}),
        ...(this.options.transports !== undefined ? { transports: this.options.transports } : {}),
        connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
        auth: {
          token: credentials.token,
          appID: this.options.appID,
          ...(this.deviceID !== undefined ? { deviceID: this.deviceID } : {}),
        },
      },
      {
        ready: (info) => current() && this.onReady(info),
        message: (name, payload) => current() && this.onMessage(name, payload),
        connectError: (code, message) => current() && this.onConnectError(code, message, credentials.fresh),
        closed: (reason) => current() && this.onClosed(reason),
      },
    );
  }

  private onReady(info: ReadyPayload): void {
    this.failures = 0;
    this._ready = info;
    this.deviceID ??= info.deviceID;
    this.setState('connected');
    this.emit('connected', { ...info });
    const resubscribe = [...this.subscriptions.values()].filter((s) => s.needsSubscribe);
    if (resubscribe.length > 0) this.subscribeOnWire(resubscribe);
    for (const r of this.pending) if (r.sentOn === undefined) this.send(r);
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private onConnectError(code: string, message: string, freshToken: boolean): void {
    this.transport = undefined;
    if (code === 'unauthorized') {
      if (this.tokens.refreshable && !freshToken) {
        // The token may have expired or been revoked: one more attempt at once with a new one.
        this.tokens.invalidate();
        this.retry(code, 0);
        return;
      }
      const error = new ChannelsError(code, message);
      this.emit('error', error);
      this.fail(error);
      return;
    }
    if (SERVER_REFUSALS.has(code)) this.emit('error', new ChannelsError(code, message));
    this.retry(code);
  }

  private onClosed(reason: string): void {
    this.transport = undefined;
    this._ready = undefined;
    this.connectionLost();
    this.setState('connecting');
    this.retry(reason);
  }

  private onMessage(name: ServerEventName, payload: unknown): void {
    const channelID = (payload as Partial<ChannelRef> | undefined)?.channelID;
    switch (name) {
      case 'new_channel':
        return this.emit('new_channel', payload as ChannelRef);
      case 'remove_channel':
        if (typeof channelID === 'string') this.subscriptions.get(channelID)?.handle(name, payload);
        return this.emit('remove_channel', payload as ChannelRef);
      case 'new_subscription': {
        const p = payload as NewSubscriptionPayload;
        if (typeof p?.channelID !== 'string') return;
        this.channel(p.channelID).serverSubscribed(p);
        return this.emit('new_subscription', { ...p });
      }
      case 'refresh_required':
        return void this.refreshToken();
      case 'token_expired':
        // The server closes the connection next; reconnect with a new token.
        this.tokens.invalidate();
        return;
      default:
        if (typeof channelID === 'string') this.subscriptions.get(channelID)?.handle(name, payload);
    }
  }

  /** Answers `refresh_required` with a token from `getToken` (`refresh`, protocol §3). */
  private async refreshToken(): Promise<void> {
    if (!this.tokens.refreshable) return;
    const generation = this.generation;
    try {
      const token = await this.tokens.fetch();
      if (generation !== this.generation || !this.transport) return;
      this.transport.send('refresh', { token }, (response) => {
        const r = response as { ok?: boolean; error?: unknown } & RefreshAck;
        if (r?.ok !== true) this.emit('error', errorFromBody(r?.error));
      });
    } catch (e) {
      this.emit(
        'error',
        e instanceof ChannelsError
          ? e
          : new ChannelsError(
              'unauthorized',
              `getToken() failed: ${e instanceof Error ? e.message : String(e)}`,
            ),
      );
    }
  }

  /** Schedules the next attempt (after `delayMs`, default the backoff for the failures so far). */
  private retry(reason: string, delayMs?: number): void {
    if (!this.wanted) return;
    const delay = delayMs ?? backoffDelay(this.failures, this.options.reconnect);
    this.failures++;
    this.setState('connecting');
    this.emit('disconnected', { reason, willReconnect: true, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.wanted) void this.open();
    }, delay);
  }

  /** A final refusal: stop, and fail what waits for a connection. */
  private fail(error: ChannelsError): void {
    this.wanted = false;
    this.stop(error);
    this.emit('disconnected', { reason: error.code, willReconnect: false });
  }

  private stop(error: ChannelsError): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.generation++;
    this.transport?.close();
    this.transport = undefined;
    this._ready = undefined;
    this.setState('disconnected');
    for (const s of this.subscriptions.values()) s.clientDisconnected(error);
    for (const r of this.pending.splice(0)) {
      clearTimeout(r.timer);
      r.reject(error);
    }
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** The connection is gone: subscriptions wait for the next one, unanswered calls are re-sent or fail. */
  private connectionLost(): void {
    for (const s of this.subscriptions.values()) s.connectionLost();
    for (const r of [...this.pending]) {
      if (r.sentOn === undefined) continue;
      if (r.resend) r.sentOn = undefined;
      else this.settle(r, new ChannelsError('disconnected', 'the connection was lost before the answer'));
    }
  }

  private setState(state: ConnectionState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  // ---- calls ----

  private subscribeOnWire(subs: ChannelSubscription[]): void {
    const transport = this.transport;
    if (!transport || this._state !== 'connected') return;
    const generation = this.generation;
    const attempts = new Map<ChannelSubscription, number>();
    const recover: Record<string, { offset: number; epoch: string }> = {};
    for (const s of subs) {
      const { attempt, recover: position } = s.beginSubscribe();
      attempts.set(s, attempt);
      if (position) recover[s.id] = position;
    }
    const payload = {
      channels: subs.map((s) => s.id),
      ...(Object.keys(recover).length > 0 ? { recover } : {}),
    };
    transport.send('subscribe', payload, (response) => {
      if (generation !== this.generation) return;
      const r = response as { ok?: boolean; error?: unknown } & Partial<SubscribeAck>;
      for (const [s, attempt] of attempts) {
        if (r?.ok !== true) s.subscribeFailed(attempt, errorFromBody(r?.error));
        else
          s.applySubscribeResult(
            attempt,
            r.results?.[s.id] ?? {
              ok: false,
              error: { code: 'internal', message: 'no answer for the channel' },
            },
          );
      }
    });
  }

  private request<T extends object>(
    name: RequestName,
    payload: unknown,
    o: { timeoutMs?: number; publish?: boolean; resend: boolean },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const publish = o.publish === true;
      const limit = this.options.maxQueuedPublishes ?? 1000;
      if (publish && this.queuedPublishes >= limit) {
        reject(new ChannelsError('queue_full', `${limit} publishes are already waiting for acknowledgement`));
        return;
      }
      const r: PendingRequest = {
        name,
        payload,
        publish,
        resend: o.resend,
        sentOn: undefined,
        timer: undefined,
        resolve: resolve as (v: object) => void,
        reject,
      };
      const timeoutMs = o.timeoutMs ?? (publish ? undefined : (this.options.requestTimeoutMs ?? 10_000));
      if (timeoutMs !== undefined)
        r.timer = setTimeout(
          () => this.settle(r, new ChannelsError('timeout', `${name} got no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      this.pending.push(r);
      if (this._state === 'connected') this.send(r);
    });
  }

  private send(r: PendingRequest): void {
    const transport = this.transport;
    if (!transport) return;
    const generation = this.generation;
    r.sentOn = generation;
    transport.send(r.name, r.payload, (response) => {
      if (r.sentOn !== generation) return; // answered on a connection it is no longer waiting on
      const a = response as { ok?: boolean; error?: unknown };
      this.settle(r, a?.ok === true ? a : errorFromBody(a?.error));
    });
  }

  private settle(r: PendingRequest, outcome: object | ChannelsError): void {
    const i = this.pending.indexOf(r);
    if (i < 0) return;
    this.pending.splice(i, 1);
    clearTimeout(r.timer);
    if (outcome instanceof ChannelsError) r.reject(outcome);
    else r.resolve(outcome);
  }
}
