import type {
  ChannelEvent,
  ChannelRef,
  ErrorBody,
  HistoryAck,
  InitialOnlineStatusPayload,
  MemberRef,
  NewSubscriptionPayload,
  OnlineStatusPayload,
  PresenceAck,
  PresenceStatus,
  PublishAck,
  SubscribeChannelResult,
} from '@channels/contracts';
import { ChannelsError, errorFromBody } from './channels-error';
import { Emitter, type ListenerErrorHandler } from './emitter';
import { newEventId } from './event-id';
import type { RequestName } from './transport';
import type {
  ChannelEvents,
  HistoryOptions,
  HistoryResult,
  PresenceMap,
  PublishOptions,
  PublishResult,
  StreamPosition,
  SubscribeResult,
  SubscriptionState,
} from './types';

/** Most events one history page returns (the server's `limit` maximum). */
const HISTORY_PAGE = 1000;

/** Refusals of a subscribe that a later attempt may not get (a dependency down): retried. */
const TRANSIENT: ReadonlySet<string> = new Set(['unavailable', 'internal']);

/** What a subscription needs from its client. */
export interface ChannelHost {
  readonly connected: boolean;
  readonly onListenerError: ListenerErrorHandler;
  /** The delay before retry number `n` of a refused subscribe (the client's backoff). */
  retryDelay(n: number): number;
  /** Sends `subscribe` for these channels on the current connection (each gets its result). */
  subscribe(channels: ChannelSubscription[]): void;
  /** A call through the client's queue; `resend`: sent again after a reconnection if unanswered. */
  request<T extends object>(
    name: RequestName,
    payload: unknown,
    o: { timeoutMs?: number; publish?: boolean; resend: boolean },
  ): Promise<T>;
}

interface Waiter {
  resolve(r: SubscribeResult): void;
  reject(e: ChannelsError): void;
}

/**
 * One channel of a {@link ChannelsClient} (`client.channel(id)`): its subscription, with every
 * event delivered once and in offset order across reconnections, its members' presence, and the
 * calls that address it (publish, history, presence).
 *
 * After a lost connection the client resubscribes it with `recover` from the last offset and
 * epoch delivered; events published meanwhile arrive before live ones. When the server cannot fill
 * the hole, `gap` is emitted and what history still holds is delivered before live events.
 */
export class ChannelSubscription extends Emitter<ChannelEvents> {
  private _state: SubscriptionState = 'unsubscribed';
  /** The application wants this channel subscribed (it is resubscribed after reconnections). */
  private wanted = false;
  private _position: StreamPosition | undefined;
  /** Bumped by every subscribe sent and every lost connection: a stale answer is ignored. */
  private attempt = 0;
  /** Live events received while a (re)subscription is completing, delivered after it. */
  private held: ChannelEvent[] = [];
  private readonly statuses = new Map<string, PresenceStatus>();
  private waiters: Waiter[] = [];
  /** Transient refusals in a row (the retry backoff exponent) and the pending retry. */
  private refusals = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal Created by {@link ChannelsClient.channel}. */
  constructor(
    /** The channel's id. */
    readonly id: string,
    private readonly host: ChannelHost,
  ) {
    super(host.onListenerError);
  }

  /** The subscription's state. */
  get state(): SubscriptionState {
    return this._state;
  }

  /**
   * The last position delivered (offset and epoch of the last stored event, or where the
   * subscription started): a resubscription recovers from it. Undefined for non-persistent channels.
   */
  get position(): StreamPosition | undefined {
    return this._position && { ...this._position };
  }

  /**
   * Subscribes to the channel (on the current connection, or as soon as the client is connected)
   * and resolves once the server confirmed it. Rejects with a {@link ChannelsError} when refused
   * (`not_found`, `forbidden`, `too_many_channels`, …), or `disconnected` when the client is
   * disconnected first (the channel stays wanted: `connect()` subscribes it again).
   */
  subscribe(): Promise<SubscribeResult> {
    if (this.wanted && this._state === 'subscribed') return Promise.resolve(this.result());
    const done = new Promise<SubscribeResult>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.wanted) {
      this.wanted = true;
      this.setState('subscribing');
      if (this.host.connected) this.host.subscribe([this]);
    }
    return done;
  }

  /**
   * Unsubscribes: no more events, presence is forgotten, and so is the position (a later
   * `subscribe()` starts from the present; read what was missed with `history`).
   */
  async unsubscribe(): Promise<void> {
    const was = this._state;
    this.reset('unsubscribed', new ChannelsError('unsubscribed', `unsubscribed from ${this.id}`));
    if (was === 'unsubscribed' || !this.host.connected) return;
    await this.host.request('unsubscribe', { channels: [this.id] }, { resend: false }).catch((e: unknown) => {
      // A lost connection unsubscribed it as well.
      if (!(e instanceof ChannelsError && e.code === 'disconnected')) throw e;
    });
  }

  /**
   * Publishes an event and resolves once the server acknowledged it (on a persistent channel:
   * stored, with its offset). The event carries an idempotency id (`options.id`, else a random
   * one): when the connection is lost before the acknowledgement it is sent again with the same id
   * after reconnecting, and the server stores it once. While disconnected, publishes wait in a
   * bounded queue (`maxQueuedPublishes`). Rejects with the server's refusal (`channel_closed`,
   * `forbidden`, `payload_too_large`, `rate_limited`, `unavailable`, …), `queue_full`, `timeout`
   * (`options.timeoutMs`) or `disconnected` (`client.disconnect()`).
   */
  async publish(eventType: string, payload: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    if (typeof eventType !== 'string' || eventType.length < 1 || eventType.length > 50)
      throw new ChannelsError('bad_request', 'eventType: must be 1-50 characters');
    if (payload === undefined) throw new ChannelsError('bad_request', 'payload: is required');
    const id = options.id ?? newEventId();
    if (typeof id !== 'string' || id.length < 1 || id.length > 128)
      throw new ChannelsError('bad_request', 'id: must be 1-128 characters');
    const ack = await this.host.request<PublishAck>(
      'publish',
      { channelID: this.id, eventType, payload, id },
      {
        publish: true,
        resend: true,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      },
    );
    return {
      id: ack.id,
      ...(ack.offset !== undefined ? { offset: ack.offset } : {}),
      ...(ack.epoch !== undefined ? { epoch: ack.epoch } : {}),
      timestamp: ack.timestamp,
    };
  }

  /** Reads stored events (no subscription needed; the client must be allowed to subscribe). */
  async history(options: HistoryOptions = {}): Promise<HistoryResult> {
    const { timeoutMs, ...query } = options;
    const ack = await this.host.request<HistoryAck>(
      'history',
      { channelID: this.id, ...query },
      { resend: true, ...(timeoutMs !== undefined ? { timeoutMs } : {}) },
    );
    return { events: ack.events, epoch: ack.epoch };
  }

  /**
   * The members' presence as this subscription knows it (presence channels): the server's
   * snapshot at subscribe time plus every change since. Empty while not subscribed.
   */
  presence(): PresenceMap {
    return new Map(this.statuses);
  }

  /** Asks the server for the channel's presence now (no subscription needed). */
  async fetchPresence(): Promise<PresenceMap> {
    const ack = await this.host.request<PresenceAck>('presence', { channelID: this.id }, { resend: true });
    return new Map(Object.entries(ack.clientStatus));
  }

  // ---- driven by the client ----

  /** @internal Whether this channel must be (re)subscribed on a new connection. */
  get needsSubscribe(): boolean {
    return this.wanted;
  }

  /** @internal A `subscribe` is being sent: returns its attempt number and the position to recover from. */
  beginSubscribe(): { attempt: number; recover: StreamPosition | undefined } {
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.held = [];
    this.setState('subscribing');
    return { attempt: this.attempt, recover: this.position };
  }

  /** @internal The server's answer to the `subscribe` of `attempt`. */
  applySubscribeResult(attempt: number, result: SubscribeChannelResult): void {
    if (attempt !== this.attempt || !this.wanted) return;
    if (!result.ok) {
      const error = errorFromBody(result.error);
      if (TRANSIENT.has(error.code)) {
        // Keep the subscription (and its position) and try again on this connection.
        this.emit('error', error);
        const delay = this.host.retryDelay(this.refusals++);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (attempt === this.attempt && this.wanted && this.host.connected) this.host.subscribe([this]);
        }, delay);
        return;
      }
      const waited = this.waiters.length > 0;
      this.reset('unsubscribed', error);
      if (!waited) this.emit('error', error);
      return;
    }
    const from = this._position;
    const to =
      result.offset !== undefined && result.epoch !== undefined
        ? { offset: result.offset, epoch: result.epoch }
        : undefined;
    if (result.recovered === false && from && to) {
      void this.backfill(attempt, from, to);
      return;
    }
    for (const e of result.events ?? []) this.deliver(e);
    if (to) this.advance(to);
    this.complete(result.recovered);
  }

  /** @internal The whole `subscribe` call failed (e.g. `bad_request`). */
  subscribeFailed(attempt: number, error: ChannelsError): void {
    this.applySubscribeResult(attempt, {
      ok: false,
      error: { code: error.code as ErrorBody['code'], message: error.message },
    });
  }

  /** @internal The connection was lost: events and presence stop until the resubscription. */
  connectionLost(): void {
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.held = [];
    this.clearPresence();
    if (this.wanted) this.setState('subscribing');
  }

  /** @internal The client was disconnected by the application: pending `subscribe()` calls fail. */
  clientDisconnected(error: ChannelsError): void {
    this.connectionLost();
    this.rejectWaiters(error);
  }

  /** @internal The server subscribed this connection itself (`new_subscription`). */
  serverSubscribed(p: NewSubscriptionPayload): void {
    if (this.wanted) return; // already tracked: its own (re)subscription keeps the position
    this.wanted = true;
    this.attempt++;
    if (p.offset !== undefined && p.epoch !== undefined)
      this._position = { offset: p.offset, epoch: p.epoch };
    this.setState('subscribed');
  }

  /** @internal A server event addressed to this channel. */
  handle(name: string, payload: unknown): void {
    if (!this.wanted) return;
    switch (name) {
      case 'event': {
        const e = payload as ChannelEvent;
        if (this._state === 'subscribed') this.deliver(e);
        else if (this._state === 'subscribing') this.held.push(e);
        return;
      }
      case 'initial_online_status': {
        const p = payload as InitialOnlineStatusPayload;
        this.statuses.clear();
        for (const [clientID, s] of Object.entries(p.clientStatus ?? {}))
          this.statuses.set(clientID, { status: s.status, timestamp: s.timestamp });
        this.emit('presence', this.presence());
        return;
      }
      case 'online_status': {
        const p = payload as OnlineStatusPayload;
        this.statuses.set(p.clientID, { status: p.status, timestamp: p.timestamp });
        this.emit('presence', this.presence());
        return;
      }
      case 'join_channel':
        return this.emit('join', payload as MemberRef);
      case 'leave_channel':
        return this.emit('leave', payload as MemberRef);
      case 'channel_closed':
        return this.emit('closed', payload as ChannelRef);
      case 'channel_opened':
        return this.emit('opened', payload as ChannelRef);
      case 'remove_channel':
        this.reset('unsubscribed', new ChannelsError('forbidden', `removed from ${this.id}`));
        return this.emit('removed', payload as ChannelRef);
    }
  }

  // ---- internals ----

  /**
   * `recovered: false`: reads the missed offsets (from, to] from history, then announces the gap
   * (with what is lost for good) and delivers what was read before the live events held meanwhile.
   */
  private async backfill(attempt: number, from: StreamPosition, to: StreamPosition): Promise<void> {
    const read: ChannelEvent[] = [];
    let cursor = from.offset;
    try {
      while (cursor < to.offset) {
        const page = await this.host.request<HistoryAck>(
          'history',
          { channelID: this.id, sinceOffset: cursor, order: 'asc', limit: HISTORY_PAGE },
          { resend: false },
        );
        if (attempt !== this.attempt) return;
        const fresh = page.events.filter(
          (e) => e.offset !== undefined && e.offset > cursor && e.offset <= to.offset,
        );
        if (fresh.length === 0) break;
        read.push(...fresh);
        cursor = fresh[fresh.length - 1].offset as number;
        if (page.events.length < HISTORY_PAGE) break;
      }
    } catch {
      // History unavailable: what was not read is reported as lost (below).
    }
    if (attempt !== this.attempt || !this.wanted) return;
    this.emit('gap', {
      channelID: this.id,
      reason: from.epoch === to.epoch ? 'not_recoverable' : 'epoch_changed',
      from: { ...from },
      to: { ...to },
      backfilled: read.length,
      lost: Math.max(0, to.offset - from.offset - read.length),
    });
    if (attempt !== this.attempt) return; // a gap listener unsubscribed
    for (const e of read) this.deliver(e);
    this.advance(to);
    this.complete(false);
  }

  /** Emits an event unless it was already delivered (offsets only grow, across epochs too). */
  private deliver(e: ChannelEvent): void {
    if (e.offset !== undefined) {
      if (this._position && e.offset <= this._position.offset) return;
      this._position = { offset: e.offset, epoch: e.epoch ?? this._position?.epoch ?? '' };
    }
    this.emit('event', e);
  }

  private advance(to: StreamPosition): void {
    if (!this._position || to.offset >= this._position.offset) this._position = { ...to };
  }

  private complete(recovered: boolean | undefined): void {
    const attempt = this.attempt;
    this.refusals = 0;
    this.setState('subscribed');
    // Events that arrived during the subscription, in arrival order (already deduplicated above).
    while (this.held.length > 0 && attempt === this.attempt) this.deliver(this.held.shift() as ChannelEvent);
    const result = this.result(recovered);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(result);
  }

  private result(recovered?: boolean): SubscribeResult {
    return {
      ...(this._position ? { offset: this._position.offset, epoch: this._position.epoch } : {}),
      ...(recovered !== undefined ? { recovered } : {}),
    };
  }

  private reset(state: 'unsubscribed', error: ChannelsError): void {
    this.wanted = false;
    this.attempt++;
    this.refusals = 0;
    clearTimeout(this.retryTimer);
    this.held = [];
    this._position = undefined;
    this.clearPresence();
    this.setState(state);
    this.rejectWaiters(error);
  }

  private rejectWaiters(error: ChannelsError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  private clearPresence(): void {
    if (this.statuses.size === 0) return;
    this.statuses.clear();
    this.emit('presence', this.presence());
  }

  private setState(state: SubscriptionState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }
}
