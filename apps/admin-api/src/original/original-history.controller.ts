import { Controller, Get, Headers, Inject, Param, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { EventText, Principal } from '@channels/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { Auth } from '../auth/principal.decorator';
import { ADMIN_API_CONFIG } from '../config';
import type { AdminApiConfig } from '../config';
import { AnswerMemo } from '../http/answer-memo';
import { sendJsonText } from '../http/json-text';
import { param, type ZodPipe } from '../http/zod-pipe';
import { badRequest } from '../resources/errors';
import { EventsService, type HistoryQuery } from '../resources/events.service';
import { secondEndMs, secondStartMs } from './original.mapper';
import { appHeader, ChannelIdParam, MAX_SECONDS, natParam } from './original.schemas';

const seconds = natParam(MAX_SECONDS);

/**
 * The original product's history ("synchronization") routes, answered as `{"events":[…]}` cut out
 * of the events' stored JSON text (no parsing and re-serialising of each event). Readable by whoever may subscribe to
 * the channel: its app's admins, any client of the app for an open channel, members for a private
 * one. Timestamps are unix seconds and inclusive. Only persistent channels have history.
 */
@Controller()
@UseGuards(AuthGuard, RateLimitGuard)
export class OriginalHistoryController {
  private readonly max: number;
  /** `amount` is checked against ORIGINAL_MAX_EVENTS: one schema, built once. */
  private readonly amountPipe: ZodPipe<ReturnType<typeof natParam>>;
  /** Answers of channels whose events are served from memory, reused while unchanged. */
  private readonly memo: AnswerMemo<EventText>;

  constructor(
    private readonly events: EventsService,
    @Inject(ADMIN_API_CONFIG) config: AdminApiConfig,
  ) {
    this.max = config.ORIGINAL_MAX_EVENTS;
    this.amountPipe = param(natParam(this.max), 'amount');
    // A quarter of the history mirror's budget: the texts of answers cut from what it holds.
    this.memo = new AnswerMemo(Math.floor((config.HISTORY_MIRROR_MB * 1_048_576) / 4));
  }

  /** The newest `amount` events, newest first. */
  @Get('last/:channelID/:amount')
  last(
    @Res() res: Response,
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Param('amount') amount: string,
  ) {
    return this.answer(res, p, appIDHeader, { channelID, order: 'desc' }, this.amount(amount));
  }

  /** The newest `amount` events at or after `ts`, newest first. */
  @Get('last/:channelID/:amount/last/:ts')
  lastSince(
    @Res() res: Response,
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Param('amount') amount: string,
    @Param('ts', param(seconds, 'timestamp')) ts: number,
  ) {
    return this.answer(
      res,
      p,
      appIDHeader,
      { channelID, since: secondStartMs(ts), order: 'desc' },
      this.amount(amount),
    );
  }

  /** Every event at or after `ts`, oldest first (at most ORIGINAL_MAX_EVENTS). */
  @Get('c/:channelID/sync/:ts')
  since(
    @Res() res: Response,
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Param('ts', param(seconds, 'timestamp')) ts: number,
  ) {
    return this.answer(res, p, appIDHeader, { channelID, since: secondStartMs(ts), order: 'asc' }, this.max);
  }

  /** Every event from `from` to `to` (both inclusive), oldest first (at most ORIGINAL_MAX_EVENTS). */
  @Get('sync/:channelID/:from/to/:to')
  between(
    @Res() res: Response,
    @Auth() p: Principal,
    @Headers('appid') appIDHeader: string | undefined,
    @Param('channelID', param(ChannelIdParam, 'channelID')) channelID: string,
    @Param('from', param(seconds, 'from')) from: number,
    @Param('to', param(seconds, 'to')) to: number,
  ) {
    if (to < from) throw badRequest('to: must not be before from');
    return this.answer(
      res,
      p,
      appIDHeader,
      { channelID, since: secondStartMs(from), until: secondEndMs(to), order: 'asc' },
      this.max,
    );
  }

  private amount(raw: string): number {
    return this.amountPipe.transform(raw);
  }

  private async answer(
    res: Response,
    p: Principal,
    appIDHeader: string | undefined,
    q: Omit<HistoryQuery, 'limit'>,
    max: number,
  ): Promise<void> {
    const appID = appHeader(appIDHeader);
    if (max === 0) {
      // Still checks the channel and the caller's access.
      await this.events.page(p, appID, { ...q, limit: 1 });
      return sendJsonText(res, '{"events":[]}');
    }
    const events = await this.events.collect(p, appID, q, max);
    sendJsonText(res, this.memo.text(`${appID}\u0000${q.channelID}`, events, originalAnswer));
  }
}

/** `{"events":[…]}` in the original product's event shape. */
function originalAnswer(events: readonly EventText[]): string {
  let out = '{"events":[';
  for (let i = 0; i < events.length; i++) out += (i ? ',' : '') + events[i].originalJson();
  return `${out}]}`;
}
