import { z } from 'zod';
import { BATCH_METHODS } from './batch.commands';
import { BatchDoc, BatchResultsDoc, MAX_BATCH_COMMANDS } from './batch.controller';
import * as S from './v1.schemas';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Who = 'super admin' | 'admin of the app (or super admin)';

interface RouteDoc {
  method: Method;
  /** OpenAPI path (`{appID}` placeholders). */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  who: Who;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok: { status: number; description: string; schema?: z.ZodType };
  /** Error statuses beyond 400/401/403/429/503, which every route may answer. */
  errors?: number[];
}

const admin: Who = 'admin of the app (or super admin)';
const superAdmin: Who = 'super admin';
const app = '/v1/apps/{appID}';
const channel = `${app}/channels/{channelID}`;
const namespace = `${app}/namespaces/{name}`;

/** Every `/v1` route. An e2e test checks that each one exists and that no other `/v1` route does. */
export const V1_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/apps',
    tag: 'Apps',
    summary: 'List apps',
    description: 'Every app for a super admin; its own app for an admin.',
    who: admin,
    query: S.PageQuery,
    ok: { status: 200, description: 'A page of apps', schema: S.AppPage },
  },
  {
    method: 'post',
    path: '/v1/apps',
    tag: 'Apps',
    summary: 'Create an app',
    who: superAdmin,
    body: S.AppCreate,
    ok: { status: 201, description: 'Created, with its API secret', schema: S.AppWithApiSecret },
    errors: [409],
  },
  {
    method: 'get',
    path: app,
    tag: 'Apps',
    summary: 'Get an app',
    description: 'With its API secret (the key of the server API), which only admins of the app see.',
    who: admin,
    ok: { status: 200, description: 'The app', schema: S.AppWithApiSecret },
    errors: [404],
  },
  {
    method: 'post',
    path: `${app}/api-secret`,
    tag: 'Apps',
    summary: "Rotate the app's API secret",
    description:
      'Replaces the key of the server API with a new random one and answers it. Requests signed with the old key are refused (401) from then on, by every admin-api replica.',
    who: admin,
    ok: { status: 200, description: 'The new API secret', schema: S.ApiSecret },
    errors: [404],
  },
  {
    method: 'patch',
    path: app,
    tag: 'Apps',
    summary: 'Rename an app',
    who: admin,
    body: S.AppUpdate,
    ok: { status: 200, description: 'The app', schema: S.App },
    errors: [404],
  },
  {
    method: 'delete',
    path: app,
    tag: 'Apps',
    summary: 'Delete an app',
    description: 'Deletes its clients, channels, memberships and stored events; its connections are closed.',
    who: superAdmin,
    ok: { status: 204, description: 'Deleted' },
    errors: [404],
  },

  {
    method: 'get',
    path: `${app}/clients`,
    tag: 'Clients',
    summary: 'List clients',
    who: admin,
    query: S.ClientQuery,
    ok: { status: 200, description: 'A page of clients', schema: S.ClientPage },
  },
  {
    method: 'post',
    path: `${app}/clients`,
    tag: 'Clients',
    summary: 'Create a client',
    who: admin,
    body: S.ClientCreate,
    ok: { status: 201, description: 'Created', schema: S.Client },
    errors: [404, 409],
  },
  {
    method: 'get',
    path: `${app}/clients/{clientID}`,
    tag: 'Clients',
    summary: 'Get a client',
    who: admin,
    ok: { status: 200, description: 'The client', schema: S.Client },
    errors: [404],
  },
  {
    method: 'patch',
    path: `${app}/clients/{clientID}`,
    tag: 'Clients',
    summary: 'Update a client',
    who: admin,
    body: S.ClientUpdate,
    ok: { status: 200, description: 'The client', schema: S.Client },
    errors: [404],
  },
  {
    method: 'delete',
    path: `${app}/clients/{clientID}`,
    tag: 'Clients',
    summary: 'Delete a client',
    description: 'Also removes its memberships and closes its connections.',
    who: admin,
    ok: { status: 204, description: 'Deleted' },
    errors: [404],
  },
  {
    method: 'get',
    path: `${app}/clients/{clientID}/channels`,
    tag: 'Clients',
    summary: 'Channels the client is a member of',
    who: admin,
    ok: { status: 200, description: 'Channel ids', schema: S.ClientChannels },
    errors: [404],
  },
  {
    method: 'post',
    path: `${app}/clients/{clientID}/disconnect`,
    tag: 'Live',
    summary: 'Disconnect a client',
    description: 'Every gateway closes every connection (device) of the client.',
    who: admin,
    ok: { status: 200, description: 'Sent to every gateway', schema: S.Ok },
  },
  {
    method: 'post',
    path: `${app}/clients/{clientID}/subscribe`,
    tag: 'Live',
    summary: 'Subscribe a client to a channel (server-side)',
    description:
      "Every gateway subscribes every live connection of the client to the channel, under the channel's rules (a private channel needs the client's membership). Each connection receives `new_subscription {channelID, offset, epoch}`, then the channel's events; presence is announced as for a client subscribe.",
    who: admin,
    body: S.UnsubscribeBody,
    ok: { status: 200, description: 'Sent to every gateway', schema: S.Ok },
    errors: [404],
  },
  {
    method: 'post',
    path: `${app}/clients/{clientID}/unsubscribe`,
    tag: 'Live',
    summary: 'Unsubscribe a client from a channel',
    description: 'Every gateway unsubscribes every connection of the client from the channel.',
    who: admin,
    body: S.UnsubscribeBody,
    ok: { status: 200, description: 'Sent to every gateway', schema: S.Ok },
    errors: [404],
  },

  {
    method: 'get',
    path: `${app}/channels`,
    tag: 'Channels',
    summary: 'List channels',
    who: admin,
    query: S.ChannelQuery,
    ok: { status: 200, description: 'A page of channels', schema: S.ChannelPage },
  },
  {
    method: 'post',
    path: `${app}/channels`,
    tag: 'Channels',
    summary: 'Create a channel',
    who: admin,
    body: S.ChannelCreate,
    ok: { status: 201, description: 'Created', schema: S.Channel },
    errors: [404, 409],
  },
  {
    method: 'get',
    path: channel,
    tag: 'Channels',
    summary: 'Get a channel',
    who: admin,
    ok: { status: 200, description: 'The channel', schema: S.Channel },
    errors: [404],
  },
  {
    method: 'patch',
    path: channel,
    tag: 'Channels',
    summary: 'Update a channel',
    who: admin,
    body: S.ChannelUpdate,
    ok: { status: 200, description: 'The channel', schema: S.Channel },
    errors: [404],
  },
  {
    method: 'delete',
    path: channel,
    tag: 'Channels',
    summary: 'Delete a channel',
    description: 'Deletes its memberships and stored events; subscribers receive `remove_channel`.',
    who: admin,
    ok: { status: 204, description: 'Deleted' },
    errors: [404],
  },
  {
    method: 'post',
    path: `${channel}/close`,
    tag: 'Channels',
    summary: 'Close a channel',
    description: 'Publishing is refused everywhere at once; subscribers stay and receive `channel_closed`.',
    who: admin,
    ok: { status: 200, description: 'The channel', schema: S.Channel },
    errors: [404],
  },
  {
    method: 'post',
    path: `${channel}/open`,
    tag: 'Channels',
    summary: 'Reopen a channel',
    who: admin,
    ok: { status: 200, description: 'The channel', schema: S.Channel },
    errors: [404],
  },
  {
    method: 'get',
    path: `${channel}/members`,
    tag: 'Members',
    summary: 'List members',
    who: admin,
    query: S.PageQuery,
    ok: { status: 200, description: 'A page of members', schema: S.MemberPage },
    errors: [404],
  },
  {
    method: 'put',
    path: `${channel}/members/{clientID}`,
    tag: 'Members',
    summary: 'Add a member',
    description:
      "201 when added, 200 when it already was one. The client's devices receive `new_channel`; presence subscribers `join_channel`.",
    who: admin,
    ok: { status: 201, description: 'Added', schema: S.MemberAdded },
    errors: [404],
  },
  {
    method: 'delete',
    path: `${channel}/members/{clientID}`,
    tag: 'Members',
    summary: 'Remove a member',
    description:
      "The client's devices receive `remove_channel` and are unsubscribed; presence subscribers `leave_channel`.",
    who: admin,
    ok: { status: 204, description: 'Removed' },
    errors: [404],
  },

  {
    method: 'get',
    path: `${app}/hooks`,
    tag: 'Hooks',
    summary: "Get the app's hooks",
    who: admin,
    ok: { status: 200, description: 'The hooks (null: none)', schema: S.HooksAnswer },
    errors: [404],
  },
  {
    method: 'put',
    path: `${app}/hooks`,
    tag: 'Hooks',
    summary: "Set the app's hooks",
    description:
      'Replaces the hooks: before a client connects, subscribes or publishes, Channels POSTs a signed JSON request to the URL and follows the answer (`{allow: true}`, `{allow: false, reason}`, for publish `{allow: true, payload}`, for connect `{allow: true, channels}`). Every gateway uses them from the answer on.',
    who: admin,
    body: S.Hooks,
    ok: { status: 200, description: 'The hooks', schema: S.HooksAnswer },
    errors: [404],
  },
  {
    method: 'delete',
    path: `${app}/hooks`,
    tag: 'Hooks',
    summary: "Remove the app's hooks",
    who: admin,
    ok: { status: 204, description: 'Removed' },
    errors: [404],
  },
  {
    method: 'get',
    path: `${app}/namespaces`,
    tag: 'Namespaces',
    summary: 'List namespaces',
    description: 'Every namespace of the app, by name.',
    who: admin,
    ok: { status: 200, description: 'The namespaces', schema: S.NamespaceList },
    errors: [404],
  },
  {
    method: 'post',
    path: `${app}/namespaces`,
    tag: 'Namespaces',
    summary: 'Create a namespace',
    description:
      'Channel defaults for the ids `<name>:…`. With `autoCreate`, such a channel comes into existence on first subscribe or publish, with these settings; channels created explicitly keep their own.',
    who: admin,
    body: S.NamespaceCreate,
    ok: { status: 201, description: 'Created', schema: S.Namespace },
    errors: [404, 409],
  },
  {
    method: 'get',
    path: namespace,
    tag: 'Namespaces',
    summary: 'Get a namespace',
    who: admin,
    ok: { status: 200, description: 'The namespace', schema: S.Namespace },
    errors: [404],
  },
  {
    method: 'patch',
    path: namespace,
    tag: 'Namespaces',
    summary: 'Update a namespace',
    description:
      'Channels made from the namespace (`autoCreated`) take the new settings at once, live subscribers included (made private: non-members lose their subscription; presence on or off).',
    who: admin,
    body: S.NamespaceUpdate,
    ok: { status: 200, description: 'The namespace', schema: S.Namespace },
    errors: [404],
  },
  {
    method: 'delete',
    path: namespace,
    tag: 'Namespaces',
    summary: 'Delete a namespace',
    description: 'Its channels stay, with the settings they have; no new ones are made on first use.',
    who: admin,
    ok: { status: 204, description: 'Deleted' },
    errors: [404],
  },

  {
    method: 'post',
    path: `${app}/clients/{clientID}/events`,
    tag: 'Events',
    summary: 'Send an event to a user',
    description:
      "Publishes on the client's personal channel `#<clientID>`: every connection of the client subscribed to it, on every gateway, receives it (stored when that channel is persistent).",
    who: admin,
    body: S.PublishBody,
    ok: { status: 201, description: 'Published', schema: S.PublishResult },
    errors: [413],
  },
  {
    method: 'post',
    path: `${channel}/events`,
    tag: 'Events',
    summary: 'Publish an event',
    description:
      'Same path as a socket publish: every subscriber on every gateway receives it; stored on persistent channels (the answer carries its offset).',
    who: admin,
    body: S.PublishBody,
    ok: { status: 201, description: 'Published', schema: S.PublishResult },
    errors: [404, 413],
  },
  {
    method: 'get',
    path: `${channel}/events`,
    tag: 'Events',
    summary: 'History',
    description:
      'Stored events by time range (`since`/`until`, unix ms, inclusive) or after an offset, ascending or descending, paginated with `cursor`.',
    who: admin,
    query: S.HistoryQuery,
    ok: { status: 200, description: 'A page of events', schema: S.HistoryPage },
    errors: [404],
  },
  {
    method: 'post',
    path: `${app}/broadcast`,
    tag: 'Events',
    summary: 'Publish one event to many channels',
    description: 'Each channel succeeds or fails on its own; results are keyed by channel id.',
    who: admin,
    body: S.BroadcastBody,
    ok: { status: 200, description: 'One result per channel', schema: S.BroadcastResult },
  },

  {
    method: 'get',
    path: `${channel}/presence`,
    tag: 'Live',
    summary: 'Presence of a channel',
    description:
      'Online status of the members of a presence channel (empty for other channels): online members (timestamp: online since) and recently gone ones (timestamp: announced offline). With `limit`, one page at a time, continued with `cursor`; a page may hold somewhat more or fewer members than `limit`.',
    who: admin,
    query: S.PresenceQuery,
    ok: { status: 200, description: 'Client statuses', schema: S.Presence },
    errors: [404],
  },
  {
    method: 'get',
    path: `${app}/active-channels`,
    tag: 'Live',
    summary: 'Active channels',
    description: 'Channels with at least one subscriber on a live gateway, with subscriber counts.',
    who: admin,
    query: S.PageQuery,
    ok: { status: 200, description: 'A page of active channels', schema: S.ActiveChannelPage },
  },
  {
    method: 'get',
    path: `${app}/stats`,
    tag: 'Live',
    summary: 'Connection statistics of an app',
    who: admin,
    ok: { status: 200, description: 'Per gateway and in total', schema: S.AppStats },
  },
  {
    method: 'get',
    path: '/v1/stats',
    tag: 'Live',
    summary: 'Connection statistics of every gateway and app',
    who: superAdmin,
    ok: { status: 200, description: 'Per gateway and per app', schema: S.ClusterStats },
  },

  {
    method: 'get',
    path: `${app}/webhooks`,
    tag: 'Webhooks',
    summary: "Get the app's webhook setting",
    who: admin,
    ok: { status: 200, description: 'The setting', schema: S.WebhookSettingsBody },
    errors: [404],
  },
  {
    method: 'put',
    path: `${app}/webhooks`,
    tag: 'Webhooks',
    summary: "Set the app's webhook setting",
    description:
      "Channels POSTs each webhook of the chosen types to `url` as JSON `{id, appID, type, channelID?, clientID?, sequence, timestamp, data?}`, with `X-Channels-Webhook-Id` (the id, the same on every retry) and `X-Channels-Signature`. A 2xx answer delivers it; anything else is retried with exponential backoff until the last attempt, after which it is `failed` (listed, retryable). A channel's webhooks are sent one at a time in `sequence` order. Every producer uses the new setting at once.",
    who: admin,
    body: S.WebhookSettingsBody,
    ok: { status: 200, description: 'The setting', schema: S.WebhookSettingsBody },
    errors: [404],
  },
  {
    method: 'delete',
    path: `${app}/webhooks`,
    tag: 'Webhooks',
    summary: "Turn the app's webhooks off",
    description:
      'Nothing new is queued; webhooks already queued are recorded as `failed` (retryable once turned on again).',
    who: admin,
    ok: { status: 204, description: 'Turned off' },
    errors: [404],
  },
  {
    method: 'get',
    path: `${app}/webhooks/deliveries`,
    tag: 'Webhooks',
    summary: 'List webhook deliveries',
    description:
      'Newest first, each with its attempts; `status=failed` lists the dead letters. A webhook is listed once its first attempt started.',
    who: admin,
    query: S.WebhookDeliveryQuery,
    ok: { status: 200, description: 'A page of deliveries', schema: S.WebhookDeliveryPage },
    errors: [404],
  },
  {
    method: 'post',
    path: `${app}/webhooks/deliveries/{deliveryID}/retry`,
    tag: 'Webhooks',
    summary: 'Retry a failed delivery',
    description:
      "Sends it again — same id, same body — with a fresh set of attempts, outside its channel's order (its `sequence` tells the receiver where it belongs). Only `failed` deliveries can be retried (409 otherwise).",
    who: admin,
    ok: { status: 202, description: 'Queued; the delivery, now pending', schema: S.WebhookDelivery },
    errors: [404, 409],
  },

  {
    method: 'post',
    path: '/v1/batch',
    tag: 'Batch',
    summary: 'Run several commands',
    description: `Runs up to ${MAX_BATCH_COMMANDS} commands in order and answers each in order; a failing command fails alone. Methods: ${BATCH_METHODS.map((m) => `\`${m}\``).join(', ')}. Parameters are the route's path ids plus its body fields (history: its query fields, as JSON numbers).`,
    who: admin,
    body: BatchDoc,
    ok: { status: 200, description: 'One result per command', schema: BatchResultsDoc },
  },
];

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad input (the message names the field)',
  401: 'Missing or invalid token',
  403: 'The token may not do this',
  404: 'Unknown resource',
  409: 'Already exists',
  413: 'Payload or body too large',
  429: 'Rate limit of the token or of the app exceeded; retry after `Retry-After` seconds',
  503: 'Postgres or Redis unavailable; retry after `Retry-After` seconds',
};
/** Statuses whose answers carry `Retry-After`. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);
const PATH_PARAMS: Record<string, string> = {
  appID: 'AppID',
  channelID: 'ChannelID',
  clientID: 'ClientID',
  name: 'NamespaceName',
  deliveryID: 'WebhookDeliveryID',
};

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const id = S.v1Registry.get(schema)?.id;
  if (id) return { $ref: `#/components/schemas/${id}` };
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json['$schema'];
  // Named schemas live in components (the same registry builds them there).
  delete json['$defs'];
  return JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

/** The OpenAPI 3.1 document of `/v1`, generated from the route table and the request/response schemas. */
export function buildOpenApi(): JsonSchema {
  const components = z.toJSONSchema(S.v1Registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  for (const s of Object.values(components.schemas)) {
    delete s['$schema'];
    delete s['$id'];
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of V1_ROUTES) {
    const parameters: unknown[] = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { $ref: `#/components/schemas/${PATH_PARAMS[name]}` },
    }));
    for (const [name, field] of Object.entries(r.query?.shape ?? {})) {
      const s = schemaOf(field as z.ZodType, 'input');
      parameters.push({
        name,
        in: 'query',
        required: false,
        ...(typeof s['description'] === 'string' ? { description: s['description'] } : {}),
        schema: s,
      });
    }
    const responses: Record<string, unknown> = {
      [r.ok.status]: {
        description: r.ok.description,
        ...(r.ok.schema
          ? { content: { 'application/json': { schema: schemaOf(r.ok.schema, 'output') } } }
          : {}),
      },
    };
    for (const status of [400, 401, 403, ...(r.errors ?? []), 429, 503]) {
      responses[status] = {
        description: STATUS_TEXT[status],
        ...(RETRY_AFTER_STATUSES.has(status)
          ? {
              headers: {
                'Retry-After': {
                  description: 'Seconds to wait before retrying',
                  schema: { type: 'integer', minimum: 1 },
                },
              },
            }
          : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      tags: [r.tag],
      summary: r.summary,
      description: `${r.description ? `${r.description}\n\n` : ''}Who: ${r.who}.`,
      operationId: `${r.method}${r.path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      parameters,
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Channels admin API',
      version: '1',
      description:
        'Apps, clients, channels, members, publishing, history, presence, live statistics and webhooks. ' +
        'Send `Authorization: Bearer <JWT>` (or the bare token). Errors are `{"error": {"code", "message"}}`. ' +
        'Lists are paginated: pass `nextCursor` back as `cursor`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [
      'Apps',
      'Clients',
      'Channels',
      'Namespaces',
      'Hooks',
      'Members',
      'Events',
      'Live',
      'Webhooks',
      'Batch',
    ].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: components.schemas,
    },
  };
}
