import {
  appIdSchema,
  channelIdSchema,
  clientIdSchema,
  eventIdSchema,
  eventTypeSchema,
  HOOK_TIMEOUT_DEFAULT_MS,
  HOOK_TIMEOUT_MAX_MS,
  NAMESPACE_NAME_PATTERN,
  typeError,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_TYPES,
  webhookTypeSchema,
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
  channelIdSchema.describe(
    'Channel id, 1-100 characters of [A-Za-z0-9_-:.@$#,] with at most one #, unique per app; percent-encoded in paths. ' +
      'The part before the first ":" names its namespace; "prefix#a,b" is limited to clients a and b, "#a" is the personal channel of a.',
  ),
);
const name = z.string({ error: 'must be a string' }).max(200, 'must be at most 200 characters');
const extra = z.string({ error: 'must be a string' }).max(65_536, 'must be at most 65536 characters');
const flag = z.boolean({ error: 'must be true or false' });
const historySize = () =>
  z
    .number({ error: 'must be an integer or null' })
    .int('must be an integer or null')
    .min(0, 'must be at least 0')
    .max(10_000_000, 'must be at most 10000000')
    .nullable()
    .describe('At most this many newest events are kept (0: all); null: the deployment default.');
const historyTTLSeconds = () =>
  z
    .number({ error: 'must be an integer or null' })
    .int('must be an integer or null')
    .min(0, 'must be at least 0')
    .max(315_360_000, 'must be at most 315360000')
    .nullable()
    .describe('Events older than this many seconds are deleted (0: never); null: the deployment default.');
const clientPublish = () => flag.describe('Clients may publish (admins always may).');
const joinLeave = () =>
  flag.describe('Members added / removed are pushed to subscribers of a presence channel.');
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
        'denied',
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
    clientPublish: clientPublish(),
    joinLeave: joinLeave(),
    historySize: historySize(),
    historyTTLSeconds: historyTTLSeconds(),
    autoCreated: z
      .boolean()
      .describe(
        'Made on first use (autoCreate namespace, user-limited id): follows its namespace when that changes, until changed itself.',
      ),
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
    clientPublish: clientPublish().default(true),
    joinLeave: joinLeave().default(true),
    historySize: historySize().default(null),
    historyTTLSeconds: historyTTLSeconds().default(null),
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
    clientPublish: clientPublish().optional(),
    joinLeave: joinLeave().optional(),
    historySize: historySize().optional(),
    historyTTLSeconds: historyTTLSeconds().optional(),
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

// ---- hooks ----------------------------------------------------------------------------------------

const hookUrl = () =>
  object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000, 'must be at most 2000 characters')
      .describe('Where Channels POSTs the signed JSON request.'),
  });
export const Hooks = named(
  'Hooks',
  object({
    connect: hookUrl().optional().describe('Asked before a client connection is admitted (any transport).'),
    subscribe: hookUrl().optional().describe('Asked before a client subscribes to a channel.'),
    publish: hookUrl()
      .optional()
      .describe('Asked before a client publish (socket, /optimized, HTTP); may replace the payload.'),
    timeoutMs: z
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(50, 'must be at least 50')
      .max(HOOK_TIMEOUT_MAX_MS, `must be at most ${HOOK_TIMEOUT_MAX_MS}`)
      .optional()
      .describe(`How long a call may take before it counts as failed (default ${HOOK_TIMEOUT_DEFAULT_MS}).`),
    onFailure: z
      .enum(['deny', 'allow'], { error: 'must be "deny" or "allow"' })
      .optional()
      .describe('What a failed call (timeout, unreachable, non-200, not {allow}) answers (default "deny").'),
  }),
  'Backend hooks (protocol §5.4). Requests carry `X-Channels-Signature: sha256=<hex HMAC-SHA256 of the body with the API secret>`.',
);
export const HooksAnswer = named(
  'HooksAnswer',
  z.object({ appID: AppID, hooks: Hooks.nullable().describe('null: no hooks') }),
);

// ---- namespaces -----------------------------------------------------------------------------------

export const NamespaceName = named(
  'NamespaceName',
  z
    .string({ error: 'must be a string' })
    .regex(NAMESPACE_NAME_PATTERN, 'must be 1-50 characters of [A-Za-z0-9_-.@$]')
    .describe('Namespace name: the part before the first ":" of its channel ids (`room` for `room:lobby`).'),
);
const namespaceSettings = () => ({
  persistent: flag.describe('Events are stored and can be fetched later.'),
  private: flag.describe('Only members may subscribe and publish.'),
  presence: flag.describe("Members' online status is pushed."),
  historySize: historySize(),
  historyTTLSeconds: historyTTLSeconds(),
  clientPublish: clientPublish(),
  joinLeave: joinLeave(),
  autoCreate: flag.describe(
    'A channel of the namespace comes into existence on first subscribe or publish, with these settings.',
  ),
});
const namespaceHooks = () =>
  Hooks.nullable().describe(
    "Hooks for the namespace's channels (subscribe, publish), replacing the app's; null: the app's.",
  );
export const Namespace = named(
  'Namespace',
  z.object({
    appID: AppID,
    name: NamespaceName,
    ...namespaceSettings(),
    hooks: namespaceHooks(),
    createdAt: z.number().int(),
  }),
);
export const NamespaceCreate = named(
  'NamespaceCreate',
  object({
    name: NamespaceName,
    persistent: namespaceSettings().persistent.default(false),
    private: namespaceSettings().private.default(false),
    presence: namespaceSettings().presence.default(false),
    historySize: historySize().default(null),
    historyTTLSeconds: historyTTLSeconds().default(null),
    clientPublish: clientPublish().default(true),
    joinLeave: joinLeave().default(true),
    autoCreate: namespaceSettings().autoCreate.default(false),
    hooks: namespaceHooks().default(null),
  }),
);
export const NamespaceUpdate = named(
  'NamespaceUpdate',
  object({
    persistent: namespaceSettings().persistent.optional(),
    private: namespaceSettings().private.optional(),
    presence: namespaceSettings().presence.optional(),
    historySize: historySize().optional(),
    historyTTLSeconds: historyTTLSeconds().optional(),
    clientPublish: clientPublish().optional(),
    joinLeave: joinLeave().optional(),
    autoCreate: namespaceSettings().autoCreate.optional(),
    hooks: namespaceHooks().optional(),
  }),
);
export const NamespaceList = named('NamespaceList', z.object({ namespaces: z.array(Namespace) }));

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

// ---- webhooks ---------------------------------------------------------------------------------------

export const WebhookType = named(
  'WebhookType',
  webhookTypeSchema.describe(
    'channel_occupied / channel_vacated: first subscriber on any gateway / last one gone (a dead gateway included); member_added / member_removed; client_online / client_offline: per presence channel, after the grace period (what subscribers see as online_status); event_published: every event published on a channel of the app (data: the event), queued before its publish is acknowledged.',
  ),
);
const webhookUrl = z
  .string({ error: 'must be a string' })
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http or https URL')
  .describe('Where Channels POSTs each webhook (http or https).');
export const WebhookSettingsBody = named(
  'WebhookSettings',
  object({
    url: webhookUrl,
    types: z
      .array(WebhookType, { error: 'must be an array of webhook types' })
      .min(1, 'must not be empty')
      .max(WEBHOOK_TYPES.length, `must have at most ${WEBHOOK_TYPES.length} items`)
      .refine((t) => new Set(t).size === t.length, 'must not repeat a type')
      .describe('The webhook types to send.'),
  }),
  "The app's webhook setting. Each webhook is signed like every request Channels sends to the app's backend: `X-Channels-Signature: sha256=<hex HMAC-SHA256 of the raw body with the app's API secret>`.",
);
export const WebhookDeliveryID = named(
  'WebhookDeliveryID',
  z.uuid({ error: 'must be a delivery id (a uuid)' }).describe("A webhook's id (its body's `id`)."),
);
export const WebhookDeliveryStatus = named(
  'WebhookDeliveryStatus',
  z
    .enum(WEBHOOK_DELIVERY_STATUSES, { error: 'must be "pending", "delivered" or "failed"' })
    .describe(
      'pending: being sent or waiting for its next attempt; delivered: answered 2xx; failed: every attempt failed (a dead letter, which can be retried).',
    ),
);
export const WebhookDelivery = named(
  'WebhookDelivery',
  z.object({
    id: WebhookDeliveryID,
    appID: AppID,
    type: WebhookType,
    channelID: ChannelID.nullable(),
    clientID: ClientID.nullable(),
    sequence: z.number().int().describe('Per channel (per app without a channel), increasing.'),
    body: z.string().describe('The exact JSON text sent and signed.'),
    status: WebhookDeliveryStatus,
    attempts: z.array(
      z.object({
        at: z.number().int().describe('Unix ms the request started.'),
        statusCode: z.number().int().optional().describe("The receiver's HTTP status, when it answered."),
        error: z.string().optional().describe('Why the attempt failed; absent on a 2xx.'),
        durationMs: z.number().int(),
      }),
    ),
    createdAt: z.number().int().describe('Unix ms of its first attempt.'),
    updatedAt: z.number().int(),
  }),
  'A webhook that was sent (or is being sent), with every attempt, oldest first. Listed once its first attempt started.',
);
export const WebhookDeliveryPage = named(
  'WebhookDeliveryPage',
  z.object({ deliveries: z.array(WebhookDelivery), nextCursor }),
);
export const WebhookDeliveryQuery = PageQuery.extend({
  status: WebhookDeliveryStatus.optional().describe(
    'Only deliveries in this state (failed: the dead letters).',
  ),
});
