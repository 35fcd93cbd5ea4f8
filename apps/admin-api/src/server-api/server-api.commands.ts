import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ChannelsError,
  channelIdSchema,
  clientIdSchema,
  eventFromText,
  eventTypeSchema,
  parseOrThrow,
  type Principal,
  Role,
  typeError,
} from '@channels/contracts';
import { PRESENCE_TRACKER, type PresenceTracker } from '@channels/realtime';
import { z } from 'zod';
import { isConnectionError, toHttpFailure } from '../http/error-mapping';
import { ChannelsService } from '../resources/channels.service';
import { EventsService } from '../resources/events.service';
import { RealtimeAdminService } from '../resources/realtime-admin.service';
import { activeChannels } from '../stats/gateway-stats';
import { GatewayStatsReader } from '../stats/gateway-stats.reader';
import {
  SERVER_API_SENDER,
  toCentrifugoMessage,
  toCentrifugoPresence,
  toCentrifugoStats,
} from './centrifugo-shapes';

/** Most events one `history` command answers, and how many without `limit`. */
export const SERVER_API_HISTORY_MAX = 1000;
export const SERVER_API_HISTORY_DEFAULT = 100;

const params = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: 'must be a JSON object' });
const data = z.unknown().refine((v) => v !== undefined, 'is required');
/** gocent sends `client` only with the *Client variants; an empty one counts as absent. */
const client = z.preprocess((v) => (v === '' ? undefined : v), clientIdSchema.optional());

/** Parameters of each method: Centrifugo v1's, plus `eventType` on publishes and `limit` on history. */
export const serverApiParamSchemas = {
  publish: params({ channel: channelIdSchema, data, client, eventType: eventTypeSchema.optional() }),
  broadcast: params({
    channels: z
      .array(channelIdSchema, { error: 'must be an array of channel ids' })
      .min(1, 'must not be empty')
      .max(1000, 'must hold at most 1000 channels'),
    data,
    client,
    eventType: eventTypeSchema.optional(),
  }),
  unsubscribe: params({ channel: channelIdSchema, user: clientIdSchema }),
  disconnect: params({ user: clientIdSchema }),
  presence: params({ channel: channelIdSchema }),
  history: params({
    channel: channelIdSchema,
    limit: z
      .number(typeError('must be a number'))
      .int()
      .min(1)
      .max(SERVER_API_HISTORY_MAX)
      .default(SERVER_API_HISTORY_DEFAULT),
  }),
  channels: params({}),
  stats: params({}),
} as const;

export type ServerApiMethod = keyof typeof serverApiParamSchemas;
export const SERVER_API_METHODS = Object.keys(serverApiParamSchemas) as ServerApiMethod[];
type ParamsOf<M extends ServerApiMethod> = z.output<(typeof serverApiParamSchemas)[M]>;
type Handlers = { [M in ServerApiMethod]: (appID: string, params: ParamsOf<M>) => Promise<unknown> };

/** One command's answer, in Centrifugo v1's shape: `error` null on success, else a string. */
export interface ServerApiReply {
  /** The command's `uid`, when it had one. */
  uid?: string;
  method: string;
  error: string | null;
  body: unknown;
}

/** A command's failure that is not one of the protocol's error codes (unknown method, no presence…). */
class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The methods of the Centrifugo v1 server API, each over the path `/v1` uses for the same thing
 * (publish path, control bus, presence store, gateway reports), acting as an admin of the app.
 */
@Injectable()
export class ServerApiCommands {
  private readonly logger = new Logger(ServerApiCommands.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly events: EventsService,
    private readonly live: RealtimeAdminService,
    private readonly stats: GatewayStatsReader,
    @Inject(PRESENCE_TRACKER) private readonly presence: PresenceTracker,
  ) {}

  /**
   * Runs one command of the request (`index`: its position) and answers it; never throws — a
   * failure fills the reply's `error` as `<code>: <message>`.
   */
  async run(appID: string, raw: unknown, index: number): Promise<ServerApiReply> {
    const cmd = isObject(raw) ? raw : undefined;
    const method = typeof cmd?.['method'] === 'string' ? cmd['method'] : '';
    const uid = typeof cmd?.['uid'] === 'string' && cmd['uid'] !== '' ? cmd['uid'] : undefined;
    const reply = (error: string | null, body: unknown): ServerApiReply => ({
      ...(uid !== undefined ? { uid } : {}),
      method,
      error,
      body,
    });
    try {
      if (!cmd) throw new CommandError('bad_request', `command ${index}: must be a JSON object`);
      if (!isMethod(method)) {
        throw new CommandError(
          'method_not_found',
          `${method === '' ? 'no method' : `unknown method "${method}"`}; one of ${SERVER_API_METHODS.join(', ')}`,
        );
      }
      const p = parseOrThrow(serverApiParamSchemas[method], cmd['params'] ?? {}, 'params');
      const handler = this.handlers[method] as (appID: string, params: unknown) => Promise<unknown>;
      return reply(null, await handler(appID, p));
    } catch (e) {
      return reply(this.describe(e, index, method), null);
    }
  }

  private readonly handlers: Handlers = {
    publish: async (appID, { channel, data, client, eventType }) => {
      await this.events.publish(asAdmin(appID, client), appID, channel, {
        eventType: eventType ?? 'publish',
        payload: data,
      });
      return null;
    },
    broadcast: async (appID, { channels, data, client, eventType }) => {
      const results = await this.events.broadcast(asAdmin(appID, client), appID, channels, {
        eventType: eventType ?? 'publish',
        payload: data,
      });
      const failed = Object.entries(results).flatMap(([channelID, r]) =>
        r.ok ? [] : [`${channelID}: ${r.error.code}: ${r.error.message}`],
      );
      if (failed.length > 0) throw new CommandError('', failed.join('; '));
      return null;
    },
    unsubscribe: async (appID, { channel, user }) => {
      await this.live.unsubscribe(asAdmin(appID), appID, user, channel);
      return null;
    },
    disconnect: async (appID, { user }) => {
      await this.live.disconnect(asAdmin(appID), appID, user);
      return null;
    },
    presence: async (appID, { channel }) => {
      const settings = await this.channels.require(appID, channel);
      if (!settings.presence)
        throw new CommandError('not_available', `channel ${channel} does not track presence`);
      return { channel, data: toCentrifugoPresence(await this.presence.connections(appID, channel)) };
    },
    history: async (appID, { channel, limit }) => {
      const settings = await this.channels.require(appID, channel);
      if (!settings.persistent)
        throw new CommandError('not_available', `channel ${channel} keeps no history (it is not persistent)`);
      const page = await this.events.page(asAdmin(appID), appID, {
        channelID: channel,
        limit,
        order: 'desc',
      });
      return { channel, data: page.events.map((e) => toCentrifugoMessage(eventFromText(e))) };
    },
    channels: async (appID) => ({
      data: activeChannels(await this.stats.reports(), appID).map((c) => c.channelID),
    }),
    stats: async (appID) => ({ data: toCentrifugoStats(await this.stats.reports(), appID) }),
  };

  private describe(e: unknown, index: number, method: string): string {
    if (e instanceof CommandError) return e.code ? `${e.code}: ${e.message}` : e.message;
    if (e instanceof ChannelsError) return `${e.code}: ${e.message}`;
    const failure = toHttpFailure(e);
    if (failure.unexpected && !isConnectionError(e))
      this.logger.error(`server API command ${index} (${method}) failed: ${(e as Error).message}`);
    return `${failure.body.error.code}: ${failure.body.error.message}`;
  }
}

/**
 * The identity server API commands act with: an admin of the app, whose id is the senderID of what
 * it publishes — the command's `client` when given, else `SERVER_API_SENDER`.
 */
function asAdmin(appID: string, client?: string): Principal {
  return { role: Role.Admin, appID, clientID: client ?? SERVER_API_SENDER };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isMethod(m: string): m is ServerApiMethod {
  return Object.prototype.hasOwnProperty.call(serverApiParamSchemas, m);
}
