import {
  appIdSchema,
  channelIdSchema,
  clientIdSchema,
  eventIdSchema,
  eventTypeSchema,
  typeError,
} from '@channels/contracts';
import { z } from 'zod';

/**
 * Request and response schemas of `/v1`. Requests are validated with them and the OpenAPI
 * document is generated from them, so the two cannot drift apart. Unknown request fields are
 * ignored.
 */
export const v1Registry = z.registry<{ id: string; description?: string }>();
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => {
  v1Registry.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
};
const object = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: 'must be a JSON object' });

// ---- shared pieces ------------------------------------------------------------------------------

export const AppID = named('AppID', appIdSchema.describe('App id, 1-150 characters.'));
export const ClientID = named(
  'ClientID',
  clientIdSchema.describe('Client id, 1-100 characters, unique per app.'),
);
export const ChannelID = named(
  'ChannelID',
  channelIdSchema.describe('Channel id, 1-100 characters of [A-Za-z0-9_-:.@], unique per app.'),
);
const name = z.string({ error: 'must be a string' }).max(200, 'must be at most 200 characters');
const extra = z.string({ error: 'must be a string' }).max(65_536, 'must be at most 65536 characters');
const flag = z.boolean({ error: 'must be true or false' });
export const AckMode = named(
  'AckMode',
  z
    .enum(['queued', 'committed'], { error: 'must be "queued" or "committed"' })
    .describe(
      'When a stored publish is acknowledged: "queued" once it has its offset and is in Redis on its way to Postgres (an ack survives what Redis survives), "committed" once the writer committed it to Postgres (tens of milliseconds more).',
    ),
);

/** Query booleans: `true`/`false` (also `1`/`0`). */
const queryFlag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
/** Out of range: `must be at least 1` / `must be at most 1000` (`ruleMessage`). */
const queryInt = (min: number, max: number) =>
  z.coerce.number(typeError('must be an integer')).int().min(min).max(max);

export const Cursor = z
  .string({ error: 'must be a string' })
  .max(400, 'is not a valid cursor')
  .describe('Opaque position returned as `nextCursor` by the previous page.');

export const PageQuery = object({
  limit: queryInt(1, 1000).optional().default(100).describe('Page size, 1-1000 (default 100).'),
  cursor: Cursor.optional(),
});

export const ErrorResponse = named(
  'Error',
  z.object({
    error: z.object({
      code: z.enum([
        'bad_request',
        'unauthorized',
        'forbidden',
        'not_found',
        'conflict',
        'payload_too_large',
        'rate_limited',
        'channel_closed',
        'unavailable',
        'internal',
      ]),
      message: z.string(),
    }),
  }),
  'Every error: a snake_case code and a human message naming the field or resource.',
);

export const Ok = named('Ok', z.object({ ok: z.literal(true) }));
const nextCursor = z
  .string()
  .nullable()
  .describe('Pass as `cursor` for the next page; null on the last page.');

// ---- apps -----------------------------------------------------------------------------------------

export const App = named(
  'App',
  z.object({
    appID: AppID,
    name: z.string(),
    ackMode: AckMode.describe("Ack mode of the app's channels that do not set their own."),
    createdAt: z.number().int().describe('Unix milliseconds.'),
  }),
);
const apiSecret = z
  .string()
  .describe(
    'Key of the server API (`POST /apps/{appID}/api/`): backends sign each request body with it (hex HMAC-SHA256 in `X-API-Sign`). Shown to the admins of the app only.',
  );
export const AppWithApiSecret = named('AppWithApiSecret', App.extend({ apiSecret }));
export const ApiSecret = named('ApiSecret', z.object({ apiSecret }));
export const AppCreate = named(
  'AppCreate',
  object({ appID: AppID, name: name.default(''), ackMode: AckMode.default('queued') }),
);
export const AppUpdate = named('AppUpdate', object({ name: name.optional(), ackMode: AckMode.optional() }));
export const AppPage = named('AppPage', z.object({ apps: z.array(App), nextCursor }));

// ---- clients --------------------------------------------------------------------------------------

export const Client = named(
  'Client',
  z.object({
    appID: AppID,
    clientID: ClientID,
    username: z.string(),
    extra: z.string().describe('Free string, e.g. JSON.'),
    createdAt: z.number().int(),
  }),
);
export const ClientCreate = named(
  'ClientCreate',
  object({ clientID: ClientID, username: name.default(''), extra: extra.default('') }),
);
export const ClientUpdate = named(
  'ClientUpdate',
  object({ username: name.optional(), extra: extra.optional() }),
);
export const ClientPage = named('ClientPage', z.object({ clients: z.array(Client), nextCursor }));
export const ClientQuery = PageQuery.extend({
  search: z.string().max(100).optional().describe('Substring of the client id or username.'),
});
export const ClientChannels = named('ClientChannels', z.object({ channels: z.array(ChannelID) }));

// ---- channels -------------------------------------------------------------------------------------

export const Channel = named(
  'Channel',
  z.object({
    appID: AppID,
    channelID: ChannelID,
    name: z.string(),
    persistent: z.boolean().describe('Events are stored and can be fetched later.'),
    private: z.boolean().describe('Only members may subscribe and publish.'),
    presence: z.boolean().describe("Members' online status and join/leave are pushed."),
    isClosed: z.boolean().describe('No publishing while closed; subscribers stay and may read.'),
    extra: z.string(),
    ackMode: AckMode.nullable().describe("The channel's own ack mode; null: the app's."),
    effectiveAckMode: AckMode.describe('The ack mode its stored publishes get.'),
    createdAt: z.number().int(),
  }),
);
export const ChannelCreate = named(
  'ChannelCreate',
  object({
    channelID: ChannelID,
    name: name.default(''),
    persistent: flag.default(false),
    private: flag.default(false),
    presence: flag.default(false),
    extra: extra.default(''),
    ackMode: AckMode.nullable().default(null).describe("Null or absent: the app's ack mode."),
  }),
);
export const ChannelUpdate = named(
  'ChannelUpdate',
  object({
    name: name.optional(),
    extra: extra.optional(),
    persistent: flag.optional(),
    private: flag.optional(),
    presence: flag.optional(),
    isClosed: flag.optional(),
    ackMode: AckMode.nullable().optional().describe("null: back to the app's ack mode."),
  }),
);
export const ChannelPage = named('ChannelPage', z.object({ channels: z.array(Channel), nextCursor }));
export const ChannelQuery = PageQuery.extend({
  private: queryFlag.optional(),
  persistent: queryFlag.optional(),
  presence: queryFlag.optional(),
  closed: queryFlag.optional(),
  search: z.string().max(100).optional().describe('Substring of the channel id or name.'),
});

// ---- members --------------------------------------------------------------------------------------

export const Member = named('Member', z.object({ clientID: ClientID, createdAt: z.number().int() }));
export const MemberPage = named('MemberPage', z.object({ members: z.array(Member), nextCursor }));
export const MemberAdded = named(
  'MemberAdded',
  z.object({ added: z.boolean().describe('False when the client already was a member.') }),
);

// ---- events ---------------------------------------------------------------------------------------

export const Event = named(
  'Event',
  z.object({
    id: z.string(),
    channelID: ChannelID,
    offset: z
      .number()
      .int()
      .optional()
      .describe('Per-channel, strictly increasing; present on stored events.'),
    epoch: z.string().optional(),
    eventType: z.string(),
    payload: z.unknown().describe('Any JSON value.'),
    senderID: z.string(),
    timestamp: z.number().int().describe('Server time, unix milliseconds.'),
  }),
);
const payload = z
  .unknown()
  .refine((v) => v !== undefined, 'is required')
  .describe('Any JSON value.');
export const PublishBody = named(
  'Publish',
  object({
    eventType: eventTypeSchema,
    payload,
    id: eventIdSchema
      .optional()
      .describe('Idempotency key: publishing the same id again within the window stores nothing new.'),
  }),
);
export const PublishResult = named(
  'PublishResult',
  z.object({
    id: z.string(),
    offset: z.number().int().optional(),
    epoch: z.string().optional(),
    timestamp: z.number().int(),
  }),
);
export const BroadcastBody = named(
  'Broadcast',
  object({
    channels: z
      .array(ChannelID, { error: 'must be an array of channel ids' })
      .min(1, 'must not be empty')
      .max(1000, 'must hold at most 1000 channels'),
    eventType: eventTypeSchema,
    payload,
    id: eventIdSchema.optional(),
  }),
);
export const BroadcastResult = named(
  'BroadcastResult',
  z.object({
    results: z.record(
      z.string(),
      z.union([
        PublishResult.extend({ ok: z.literal(true) }),
        z.object({ ok: z.literal(false), error: ErrorResponse.shape.error }),
      ]),
    ),
  }),
);
export const HistoryQuery = object({
  limit: queryInt(1, 1000).optional().default(100).describe('Page size, 1-1000 (default 100).'),
  since: queryInt(0, 1e15).optional().describe('Unix ms, inclusive.'),
  until: queryInt(0, 1e15).optional().describe('Unix ms, inclusive.'),
  sinceOffset: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Only events with a greater offset.'),
  order: z
    .enum(['asc', 'desc'], { error: 'must be "asc" or "desc"' })
    .optional()
    .describe('Default: asc when since/sinceOffset is given, else desc (newest first).'),
  cursor: Cursor.optional(),
});
export const HistoryPage = named(
  'HistoryPage',
  z.object({ events: z.array(Event), epoch: z.string(), nextCursor }),
);

// ---- live ------------------------------------------------------------------------------------------

export const PresenceQuery = object({
  limit: queryInt(1, 10_000)
    .optional()
    .describe(
      'Page through the members, about this many per page (1-10000); without it the whole presence comes in one answer.',
    ),
  cursor: Cursor.optional(),
});
export const Presence = named(
  'Presence',
  z.object({
    channelID: ChannelID,
    clientStatus: z.record(z.string(), z.object({ status: z.boolean(), timestamp: z.number().int() })),
    nextCursor,
  }),
);
export const ActiveChannelPage = named(
  'ActiveChannelPage',
  z.object({
    channels: z.array(z.object({ channelID: ChannelID, subscribers: z.number().int() })),
    nextCursor,
  }),
);
const GatewaySummary = z.object({
  gatewayID: z.string(),
  connections: z.number().int(),
  subscriptions: z.number().int(),
  eventsPerSecond: z
    .number()
    .describe(
      'Channel events written to connections per second on this gateway (one per event per subscribed connection), over its last report interval.',
    ),
  updatedAt: z.number().int(),
});
export const AppStats = named(
  'AppStats',
  z.object({
    appID: AppID,
    connections: z.number().int(),
    subscriptions: z.number().int(),
    activeChannels: z.number().int(),
    gateways: z.array(GatewaySummary),
  }),
);
export const ClusterStats = named(
  'ClusterStats',
  z.object({
    connections: z.number().int(),
    subscriptions: z.number().int(),
    gateways: z.array(GatewaySummary),
    apps: z.array(
      z.object({
        appID: AppID,
        connections: z.number().int(),
        subscriptions: z.number().int(),
        activeChannels: z.number().int(),
      }),
    ),
  }),
);
export const UnsubscribeBody = named('Unsubscribe', object({ channelID: ChannelID }));
