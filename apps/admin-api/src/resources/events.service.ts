import { Injectable } from '@nestjs/common';
import { assertAdminOf } from '@channels/auth';
import {
  ChannelsError,
  type ErrorBody,
  type EventText,
  ErrorCode,
  type Principal,
  type PublishAck,
} from '@channels/contracts';
import { HistoryService, PublishService } from '@channels/messaging';
import {
  decodeHistoryCursor,
  encodeHistoryCursor,
  type HistoryCursor,
  nextHistoryCursor,
} from './history-cursor';

export interface EventInput {
  eventType: string;
  payload: unknown;
  /** Publisher's idempotency key. */
  id?: string;
}

export interface HistoryQuery {
  channelID: string;
  limit: number;
  /** Unix ms, inclusive. */
  since?: number;
  /** Unix ms, inclusive. */
  until?: number;
  /** Exclusive. */
  sinceOffset?: number;
  order?: 'asc' | 'desc';
}

export interface HistoryPage {
  /** Canonical event texts (`eventFromText` gives the events). */
  events: EventText[];
  epoch: string;
  nextCursor: string | null;
  /** The structured form of `nextCursor`, for callers walking pages themselves. */
  next: HistoryCursor | null;
}

export type BroadcastResult = ({ ok: true } & PublishAck) | { ok: false; error: ErrorBody };

/** One read of the history service answers at most this many events. */
const READ_MAX = 1000;
const BROADCAST_CONCURRENCY = 16;

/** Told to the app's publish hook for publishes made over HTTP. */
const HTTP_ORIGIN = { transport: 'http' } as const;

/**
 * Publishing and history over HTTP. Publishes take the one publish path the gateways use (offset,
 * hot window, persistence queue, fan-out to every gateway) and are always acknowledged — stored on
 * persistent channels. History is access-checked by the history service: it is readable by
 * whoever may subscribe to the channel.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly publisher: PublishService,
    private readonly history: HistoryService,
  ) {}

  publish(p: Principal, appID: string, channelID: string, input: EventInput): Promise<PublishAck> {
    return this.publisher.publish(p, appID, { channelID, ...input }, { acked: true, origin: HTTP_ORIGIN });
  }

  /**
   * Publishes one event to each channel (admins only); each channel succeeds or fails on its own.
   * Results are keyed by channel id, in the order given.
   */
  async broadcast(
    p: Principal,
    appID: string,
    channels: string[],
    input: EventInput,
  ): Promise<Record<string, BroadcastResult>> {
    assertAdminOf(p, appID);
    const results = new Map<string, BroadcastResult>();
    const unique = [...new Set(channels)];
    for (let i = 0; i < unique.length; i += BROADCAST_CONCURRENCY) {
      const slice = unique.slice(i, i + BROADCAST_CONCURRENCY);
      const settled = await Promise.allSettled(
        slice.map((channelID) => this.publish(p, appID, channelID, input)),
      );
      settled.forEach((s, j) => {
        if (s.status === 'fulfilled') results.set(slice[j], { ok: true, ...s.value });
        else if (s.reason instanceof ChannelsError)
          results.set(slice[j], { ok: false, error: s.reason.toBody() });
        else throw s.reason;
      });
    }
    return Object.fromEntries(unique.map((c) => [c, results.get(c) as BroadcastResult]));
  }

  /**
   * One page of history. Without a cursor the query is answered as asked; with one, the page
   * continues where the previous one stopped, in the same order.
   */
  async page(p: Principal, appID: string, q: HistoryQuery, cursor?: string): Promise<HistoryPage> {
    const order = q.order ?? (q.since !== undefined || q.sinceOffset !== undefined ? 'asc' : 'desc');
    const prev = cursor ? decodeHistoryCursor(cursor) : undefined;
    if (prev && prev.order !== order) {
      throw new ChannelsError(ErrorCode.BadRequest, 'cursor: was made for the other order');
    }
    let events: EventText[];
    let epoch: string;
    if (prev?.order === 'desc') {
      if (q.until !== undefined && q.until < prev.timestamp) {
        events = [];
        epoch = (await this.read(p, appID, { ...q, limit: 1 }, order)).epoch;
      } else {
        const fetch = Math.min(READ_MAX, q.limit + prev.seen);
        const r = await this.read(p, appID, { ...q, until: prev.timestamp, limit: fetch }, order);
        events = r.events.filter((e) => e.offset < prev.offset).slice(0, q.limit);
        epoch = r.epoch;
        if (events.length === 0 && r.events.length === fetch) {
          throw new ChannelsError(
            ErrorCode.BadRequest,
            'more events share one millisecond than one page can skip; page by offset (order=asc) instead',
          );
        }
      }
    } else {
      const sinceOffset = prev ? Math.max(prev.offset, q.sinceOffset ?? -1) : q.sinceOffset;
      const r = await this.read(
        p,
        appID,
        { ...q, ...(sinceOffset !== undefined ? { sinceOffset } : {}) },
        order,
      );
      events = r.events;
      epoch = r.epoch;
    }
    const next = events.length >= q.limit ? nextHistoryCursor(order, events, prev) : null;
    return { events, epoch, next, nextCursor: next ? encodeHistoryCursor(next) : null };
  }

  /**
   * Up to `max` events of the query, walking as many pages as needed (the original routes, which
   * answer whole ranges in one response).
   */
  async collect(
    p: Principal,
    appID: string,
    q: Omit<HistoryQuery, 'limit'>,
    max: number,
  ): Promise<EventText[]> {
    // The first page's array (its own) is the answer, extended by the next pages if any.
    let out: EventText[] = [];
    let cursor: string | undefined;
    while (out.length < max) {
      const limit = Math.min(READ_MAX, max - out.length);
      const page = await this.page(p, appID, { ...q, limit }, cursor);
      if (out.length === 0) out = page.events;
      else for (const e of page.events) out.push(e);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return out;
  }

  private read(
    p: Principal,
    appID: string,
    q: HistoryQuery,
    order: 'asc' | 'desc',
  ): Promise<{ events: EventText[]; epoch: string }> {
    return this.history.readText(p, appID, {
      channelID: q.channelID,
      limit: Math.min(Math.max(q.limit, 1), READ_MAX),
      order,
      ...(q.since !== undefined ? { since: q.since } : {}),
      ...(q.until !== undefined ? { until: q.until } : {}),
      ...(q.sinceOffset !== undefined ? { sinceOffset: q.sinceOffset } : {}),
    });
  }
}
