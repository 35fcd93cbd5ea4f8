import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  type ChannelEvent,
  eventFromText,
  type EventText,
  type HistoryAck,
  type HistoryRequest,
  historySchema,
  parseOrThrow,
  type Principal,
} from '@channels/contracts';
import { EventRepository } from '@channels/db';
import { BROKER, type Broker } from '@channels/realtime';
import { ChannelAccess } from './channel-access.service';
import { WindowMirror } from './window-mirror';

const DEFAULT_LIMIT = 100;
const WHOLE_WINDOW = 1_000_000;

/**
 * History of a persistent channel: served from the Redis hot window when it covers the request,
 * else from Postgres merged with the window (the window holds acked events the writer may not have
 * committed yet, so nothing acked is missing from a read).
 *
 * Order: `asc` by default when a lower bound (since / sinceOffset) is given, else `desc` (newest
 * first, the original product's "last N").
 */
@Injectable()
export class HistoryService {
  constructor(
    private readonly access: ChannelAccess,
    private readonly events: EventRepository,
    @Inject(BROKER) private readonly broker: Broker,
    @Optional() mirror?: WindowMirror,
  ) {
    this.window = mirror ?? new WindowMirror(broker, 0);
  }

  /** Hot-window reads for history go through the in-process mirror (off when its budget is 0). */
  private readonly window: WindowMirror;

  async read(principal: Principal, appID: string, input: unknown): Promise<HistoryAck> {
    const r = await this.readText(principal, appID, input);
    return { events: r.events.map(eventFromText), epoch: r.epoch };
  }

  /** `read` as canonical event texts, for answers assembled without parsing each event (HTTP). */
  async readText(
    principal: Principal,
    appID: string,
    input: unknown,
  ): Promise<{ events: EventText[]; epoch: string }> {
    const req: HistoryRequest = parseOrThrow(historySchema, input);
    const channel = await this.access.require(principal, appID, req.channelID);
    if (!channel.persistent)
      return { events: [], epoch: (await this.broker.position(appID, req.channelID)).epoch };
    return this.query(appID, req);
  }

  /** Events after `afterOffset` in offset order, at most `limit` (recovery). `complete` false when retention removed some. */
  async after(
    appID: string,
    channelID: string,
    afterOffset: number,
    limit: number,
  ): Promise<{ events: ChannelEvent[]; top: number; epoch: string }> {
    const text = await this.window.readWindowText(appID, channelID, afterOffset, limit);
    const win = { ...text, events: text.events.map(eventFromText) };
    if (win.complete) return { events: win.events, top: win.top, epoch: win.epoch };
    const firstInWindow = win.first;
    const stored = await this.events.query({
      appID,
      channelID,
      afterOffset,
      beforeOffset: firstInWindow,
      order: 'asc',
      limit,
    });
    const merged = [...stored, ...win.events].slice(0, limit);
    return { events: merged, top: win.top, epoch: win.epoch };
  }

  /** One window read (which also gives the epoch), then Postgres only when the window does not answer. */
  private async query(appID: string, req: HistoryRequest): Promise<{ events: EventText[]; epoch: string }> {
    const limit = req.limit ?? DEFAULT_LIMIT;
    const order = req.order ?? (req.since !== undefined || req.sinceOffset !== undefined ? 'asc' : 'desc');
    const timeFiltered = req.since !== undefined || req.until !== undefined;
    const matches = (e: EventText) =>
      (req.since === undefined || e.timestamp >= req.since) &&
      (req.until === undefined || e.timestamp <= req.until) &&
      (req.sinceOffset === undefined || e.offset > req.sinceOffset);

    // 1. The hot window: forward from the offset bound; else its tail — the newest `limit` events
    //    when no upper time bound can push the answer further back, all of it otherwise.
    const forward = order === 'asc' && req.sinceOffset !== undefined;
    const tailOnly = order === 'desc' && req.until === undefined;
    const win = forward
      ? await this.window.readWindowText(
          appID,
          req.channelID,
          req.sinceOffset ?? 0,
          timeFiltered ? WHOLE_WINDOW : limit,
        )
      : await this.window.readWindowText(appID, req.channelID, -1, tailOnly ? limit : WHOLE_WINDOW);
    // Oldest first, in this read's own array (reversed and cut in place below); a bound filters it
    // into a new one.
    const winEvents = timeFiltered || req.sinceOffset !== undefined ? win.events.filter(matches) : win.events;
    const wholeHistoryInWindow = win.first <= 1;
    const first = win.events[0];

    // 2. Does the window alone answer? (a channel's stored timestamps grow with its offsets: the
    //    publish script never lets one go below the previous)
    let covered: boolean;
    if (forward) covered = win.complete && req.since === undefined;
    else if (order === 'asc')
      covered =
        wholeHistoryInWindow ||
        (req.since !== undefined && first !== undefined && first.timestamp < req.since);
    else
      covered =
        winEvents.length >= limit ||
        wholeHistoryInWindow ||
        // Newest first down to `since`: an older event read means nothing before it can match.
        (req.since !== undefined && first !== undefined && first.timestamp < req.since);

    let result = winEvents;
    if (!covered) {
      // 3. Postgres, merged with the window (acked events the writer has not committed yet).
      if (tailOnly && req.sinceOffset === undefined) {
        // The newest N (since a time): the window's events, then the stored ones below the window
        // (which the mirror may already hold) — disjoint and both newest first, nothing to merge.
        // Timestamps grow with offsets, so the stored events at or after `since` are a prefix of
        // the newest `limit` below the window.
        const stored = await this.window.storedTail(appID, req.channelID, win, limit, (n) =>
          this.events.queryText({
            appID,
            channelID: req.channelID,
            beforeOffset: win.first,
            order: 'desc',
            limit: n,
          }),
        );
        // `stored` is a copy of its own too: cut to what the answer takes, then one concatenation.
        let take = Math.max(0, Math.min(stored.length, limit - winEvents.length));
        if (req.since !== undefined) {
          let k = 0;
          while (k < take && stored[k].timestamp >= req.since) k++;
          take = k;
        }
        stored.length = take;
        return {
          events: winEvents.length === 0 ? stored : winEvents.reverse().concat(stored),
          epoch: win.epoch,
        };
      }
      const stored = await this.events.queryText({
        appID,
        channelID: req.channelID,
        ...(req.sinceOffset !== undefined ? { afterOffset: req.sinceOffset } : {}),
        ...(req.since !== undefined ? { since: req.since } : {}),
        ...(req.until !== undefined ? { until: req.until } : {}),
        order,
        limit,
      });
      const byOffset = new Map<number, EventText>();
      for (const e of stored) byOffset.set(e.offset, e);
      for (const e of winEvents) byOffset.set(e.offset, e);
      result = [...byOffset.values()];
      const sign = order === 'asc' ? 1 : -1;
      result.sort((a, b) => sign * (a.offset - b.offset));
    } else if (order === 'desc') {
      result.reverse(); // the window alone: oldest first as read
    }
    return { events: result.length > limit ? result.slice(0, limit) : result, epoch: win.epoch };
  }
}
