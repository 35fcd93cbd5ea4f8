import { Command } from 'commander';
import { seg } from '../admin-client';
import type { HistoryPage, PublishResult } from '../api-types';
import { intArg, oneOf } from '../arguments';
import type { CommandContext } from '../context';
import { usageError } from '../errors';
import { eventLine } from '../output';
import type { Register } from './register';

/** The payload argument as JSON (`-`: read from stdin); anything else is a usage error. */
async function payloadOf(ctx: CommandContext, text: string): Promise<unknown> {
  const raw = text === '-' ? await ctx.io.readStdin() : text;
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw usageError(
      `payload: not valid JSON (${(e as Error).message}); quote it for the shell, e.g. '{"text":"hi"}' or '"a string"'`,
    );
  }
}

/** `publish <channel> <eventType> <payload>`: the HTTP publish of `/v1` (same path as a socket publish). */
export const publishCommand: Register = (action) =>
  new Command('publish')
    .description(
      'publish an event to a channel of the app (--app); stored with its offset on persistent channels',
    )
    .argument('<channelID>')
    .argument('<eventType>')
    .argument('<payload>', 'any JSON value, or - to read it from stdin')
    .option('--id <id>', 'idempotency key: the same id again stores nothing new and answers the same offset')
    .action(
      action<[string, string, string, { id?: string }]>(async (ctx, channelID, eventType, text, o) => {
        const payload = await payloadOf(ctx, text);
        const app = ctx.app;
        const r = await ctx
          .admin()
          .request<PublishResult>('POST', `/v1/apps/${seg(app)}/channels/${seg(channelID)}/events`, {
            body: { eventType, payload, ...(o.id !== undefined ? { id: o.id } : {}) },
          });
        ctx.out.result(r, () =>
          r.offset !== undefined
            ? `published ${r.id} to ${channelID} at offset ${r.offset} (epoch ${r.epoch ?? '-'})`
            : `published ${r.id} to ${channelID} (not stored: the channel is not persistent)`,
        );
      }),
    );

/** `send <clientID> <eventType> <payload>`: to every device of one user (its personal channel `#<clientID>`). */
export const sendCommand: Register = (action) =>
  new Command('send')
    .description(
      'send an event to one client of the app (--app): every connection subscribed to its personal channel #<clientID>, on every gateway',
    )
    .argument('<clientID>')
    .argument('<eventType>')
    .argument('<payload>', 'any JSON value, or - to read it from stdin')
    .option('--id <id>', 'idempotency key')
    .action(
      action<[string, string, string, { id?: string }]>(async (ctx, clientID, eventType, text, o) => {
        const payload = await payloadOf(ctx, text);
        const r = await ctx
          .admin()
          .request<PublishResult>('POST', `/v1/apps/${seg(ctx.app)}/clients/${seg(clientID)}/events`, {
            body: { eventType, payload, ...(o.id !== undefined ? { id: o.id } : {}) },
          });
        ctx.out.result(r, () => `sent ${r.id} to client ${clientID} (channel #${clientID})`);
      }),
    );

interface HistoryOptions {
  limit?: number;
  sinceOffset?: number;
  since?: number;
  until?: number;
  order?: 'asc' | 'desc';
  cursor?: string;
}

/** `history <channel>`: one page of stored events (`/v1` history). */
export const historyCommand: Register = (action) =>
  new Command('history')
    .description('read stored events of a persistent channel of the app (--app), one page')
    .argument('<channelID>')
    .option('--limit <n>', 'page size, 1-1000 (default 100)', intArg(1, 1000))
    .option('--since-offset <offset>', 'only events after this offset (oldest first)', intArg(0))
    .option('--since <ms>', 'only events at or after this unix time in ms (oldest first)', intArg(0))
    .option('--until <ms>', 'only events at or before this unix time in ms', intArg(0))
    .option(
      '--order <order>',
      'asc or desc (default: asc with --since/--since-offset, else newest first)',
      oneOf('asc', 'desc'),
    )
    .option('--cursor <cursor>', 'the next page of the same query (its nextCursor)')
    .action(
      action<[string, HistoryOptions]>(async (ctx, channelID, o) => {
        const page = await ctx
          .admin()
          .request<HistoryPage>('GET', `/v1/apps/${seg(ctx.app)}/channels/${seg(channelID)}/events`, {
            query: {
              limit: o.limit,
              sinceOffset: o.sinceOffset,
              since: o.since,
              until: o.until,
              order: o.order,
              cursor: o.cursor,
            },
          });
        ctx.out.result(page, () => (page.events.length ? page.events.map(eventLine) : ['(no events)']));
        if (page.nextCursor !== null && !ctx.out.json)
          ctx.out.notice(`more: add --cursor ${page.nextCursor}`);
      }),
    );
