import {
  type Channel,
  ChannelsError,
  ErrorCode,
  eventText,
  type GatewayStatsReport,
  type Principal,
  Role,
} from '@channels/contracts';
import { InMemoryPresenceState, InMemoryPresenceTracker } from '@channels/realtime';
import type { ChannelsService } from '../resources/channels.service';
import type { EventInput, EventsService, HistoryQuery } from '../resources/events.service';
import type { RealtimeAdminService } from '../resources/realtime-admin.service';
import type { GatewayStatsReader } from '../stats/gateway-stats.reader';
import { SERVER_API_SENDER } from './centrifugo-shapes';
import { ServerApiCommands } from './server-api.commands';

const APP = 'app';
const channel = (channelID: string, over: Partial<Channel> = {}): Channel => ({
  appID: APP,
  channelID,
  name: '',
  persistent: true,
  private: false,
  presence: true,
  isClosed: false,
  clientPublish: true,
  joinLeave: true,
  historySize: null,
  historyTTLSeconds: null,
  autoCreated: false,
  extra: '',
  createdAt: 0,
  ...over,
});
const CHANNELS: Record<string, Channel> = {
  news: channel('news'),
  quiet: channel('quiet', { presence: false, persistent: false }),
};
const report = (gatewayID: string, apps: GatewayStatsReport['apps'], startedAt?: number) => ({
  gatewayID,
  connections: 0,
  updatedAt: 0,
  intervalMs: 2_000,
  ...(startedAt !== undefined ? { startedAt } : {}),
  apps,
});

function setup() {
  const published: { p: Principal; channelID: string; input: EventInput }[] = [];
  const control: string[] = [];
  const historyAsked: HistoryQuery[] = [];
  const notFound = (id: string) => new ChannelsError(ErrorCode.NotFound, `channel ${id} not found`);
  const events = {
    publish: async (p: Principal, _appID: string, channelID: string, input: EventInput) => {
      if (!CHANNELS[channelID]) throw notFound(channelID);
      published.push({ p, channelID, input });
      return { id: 'e1', timestamp: 1 };
    },
    broadcast: async (p: Principal, _appID: string, channels: string[], input: EventInput) =>
      Object.fromEntries(
        channels.map((c) => {
          if (!CHANNELS[c]) return [c, { ok: false, error: notFound(c).toBody() }];
          published.push({ p, channelID: c, input });
          return [c, { ok: true, id: 'e', timestamp: 1 }];
        }),
      ),
    page: async (_p: Principal, _appID: string, q: HistoryQuery) => {
      historyAsked.push(q);
      return {
        events: [2, 1].map((offset) =>
          eventText({
            id: `ev${offset}`,
            channelID: q.channelID,
            offset,
            epoch: 'ep',
            eventType: 'publish',
            payloadJson: JSON.stringify({ n: offset }),
            senderID: offset === 2 ? SERVER_API_SENDER : 'alice',
            timestamp: 1_700_000_000_000 + offset * 1_500,
          }),
        ),
        epoch: 'ep',
        nextCursor: null,
        next: null,
      };
    },
  } as unknown as EventsService;
  const live = {
    disconnect: async (p: Principal, appID: string, clientID: string) => {
      control.push(`disconnect ${p.role} ${appID} ${clientID}`);
    },
    unsubscribe: async (p: Principal, appID: string, clientID: string, channelID: string) => {
      if (!CHANNELS[channelID]) throw notFound(channelID);
      control.push(`unsubscribe ${p.role} ${appID} ${clientID} ${channelID}`);
    },
  } as unknown as RealtimeAdminService;
  const channels = {
    require: async (_appID: string, id: string) => {
      if (!CHANNELS[id]) throw notFound(id);
      return CHANNELS[id];
    },
  } as unknown as ChannelsService;
  const stats = {
    reports: async () => [
      report(
        'gw1',
        { [APP]: { connections: 3, subscriptions: 4, channels: { news: 2, chat: 2 }, eventsPerSecond: 0 } },
        1_700_000_000_999,
      ),
      report('gw2', {
        other: { connections: 9, subscriptions: 9, channels: { secret: 9 }, eventsPerSecond: 0 },
      }),
    ],
  } as unknown as GatewayStatsReader;
  const state = new InMemoryPresenceState();
  const tracker = new InMemoryPresenceTracker(state);
  const commands = new ServerApiCommands(channels, events, live, stats, tracker);
  return { commands, published, control, historyAsked, tracker };
}

describe('server API commands', () => {
  it('publishes data as the payload, eventType "publish" unless given, senderID the client or the server', async () => {
    const { commands, published } = setup();
    expect(
      await commands.run(
        APP,
        { uid: 'u1', method: 'publish', params: { channel: 'news', data: { a: 1 } } },
        0,
      ),
    ).toEqual({ uid: 'u1', method: 'publish', error: null, body: null });
    await commands.run(
      APP,
      { method: 'publish', params: { channel: 'news', data: 'text', client: 'alice', eventType: 'chat' } },
      1,
    );
    // gocent's AddPublish sends no client; an empty one is no client either.
    await commands.run(APP, { method: 'publish', params: { channel: 'news', data: [1], client: '' } }, 2);
    expect(published).toEqual([
      {
        p: { role: Role.Admin, appID: APP, clientID: SERVER_API_SENDER },
        channelID: 'news',
        input: { eventType: 'publish', payload: { a: 1 } },
      },
      {
        p: { role: Role.Admin, appID: APP, clientID: 'alice' },
        channelID: 'news',
        input: { eventType: 'chat', payload: 'text' },
      },
      {
        p: { role: Role.Admin, appID: APP, clientID: SERVER_API_SENDER },
        channelID: 'news',
        input: { eventType: 'publish', payload: [1] },
      },
    ]);
  });

  it("fills a failing command's own error as `<code>: <message>`", async () => {
    const { commands, published } = setup();
    const run = (c: unknown) => commands.run(APP, c, 3);
    expect(await run({ method: 'publish', params: { channel: 'ghost', data: 1 } })).toEqual({
      method: 'publish',
      error: 'not_found: channel ghost not found',
      body: null,
    });
    expect(await run({ method: 'publish', params: { channel: 'news' } })).toEqual({
      method: 'publish',
      error: 'bad_request: data: is required',
      body: null,
    });
    expect((await run({ method: 'publish', params: { channel: 'bad channel!', data: 1 } })).error).toMatch(
      /^bad_request: channel: /,
    );
    expect((await run({ method: 'history', params: { channel: 'news', limit: 5000 } })).error).toBe(
      'bad_request: limit: must be at most 1000',
    );
    expect((await run({ method: 'publish', params: 'x' })).error).toBe(
      'bad_request: params: must be a JSON object',
    );
    expect(await run({ method: 'subscribe', params: {} })).toEqual({
      method: 'subscribe',
      error: expect.stringMatching(
        /^method_not_found: unknown method "subscribe"; one of publish, broadcast, /,
      ),
      body: null,
    });
    expect(await run({ params: {} })).toEqual({
      method: '',
      error: expect.stringMatching(/^method_not_found: no method/),
      body: null,
    });
    expect(await run('publish')).toEqual({
      method: '',
      error: 'bad_request: command 3: must be a JSON object',
      body: null,
    });
    expect(published).toEqual([]);
  });

  it('broadcasts to every channel; the ones that failed are named in the error', async () => {
    const { commands, published } = setup();
    expect(
      await commands.run(APP, { method: 'broadcast', params: { channels: ['news', 'quiet'], data: 1 } }, 0),
    ).toEqual({ method: 'broadcast', error: null, body: null });
    expect(published.map((x) => x.channelID)).toEqual(['news', 'quiet']);
    expect(
      await commands.run(APP, { method: 'broadcast', params: { channels: ['news', 'ghost'], data: 1 } }, 0),
    ).toEqual({ method: 'broadcast', error: 'ghost: not_found: channel ghost not found', body: null });
    expect(published.map((x) => x.channelID)).toEqual(['news', 'quiet', 'news']);
  });

  it('unsubscribes and disconnects a user through the admin path', async () => {
    const { commands, control } = setup();
    expect(
      await commands.run(APP, { method: 'unsubscribe', params: { channel: 'news', user: 'bob' } }, 0),
    ).toEqual({ method: 'unsubscribe', error: null, body: null });
    expect(await commands.run(APP, { method: 'disconnect', params: { user: 'bob' } }, 1)).toEqual({
      method: 'disconnect',
      error: null,
      body: null,
    });
    expect((await commands.run(APP, { method: 'disconnect', params: {} }, 2)).error).toMatch(
      /^bad_request: user: /,
    );
    expect(control).toEqual([`unsubscribe Admin ${APP} bob news`, `disconnect Admin ${APP} bob`]);
  });

  it('answers presence per connection: {channel, data: {connectionID: {user, client}}}', async () => {
    const { commands, tracker } = setup();
    for (const [clientID, connectionID] of [
      ['alice', 'c-1'],
      ['alice', 'c-2'],
      ['bob', 'c-3'],
    ])
      await tracker.join({ appID: APP, channelID: 'news', clientID, connectionID, gatewayID: 'gw1' });
    expect(await commands.run(APP, { method: 'presence', params: { channel: 'news' } }, 0)).toEqual({
      method: 'presence',
      error: null,
      body: {
        channel: 'news',
        data: {
          'c-1': { user: 'alice', client: 'c-1' },
          'c-2': { user: 'alice', client: 'c-2' },
          'c-3': { user: 'bob', client: 'c-3' },
        },
      },
    });
    expect((await commands.run(APP, { method: 'presence', params: { channel: 'quiet' } }, 0)).error).toBe(
      'not_available: channel quiet does not track presence',
    );
    expect((await commands.run(APP, { method: 'presence', params: { channel: 'ghost' } }, 0)).error).toBe(
      'not_found: channel ghost not found',
    );
  });

  it('answers history newest first as Centrifugo messages (string timestamp in seconds)', async () => {
    const { commands, historyAsked } = setup();
    expect(await commands.run(APP, { method: 'history', params: { channel: 'news' } }, 0)).toEqual({
      method: 'history',
      error: null,
      body: {
        channel: 'news',
        data: [
          { uid: 'ev2', timestamp: '1700000003', channel: 'news', data: { n: 2 } },
          {
            uid: 'ev1',
            timestamp: '1700000001',
            info: { user: 'alice', client: 'alice' },
            channel: 'news',
            data: { n: 1 },
            client: 'alice',
          },
        ],
      },
    });
    await commands.run(APP, { method: 'history', params: { channel: 'news', limit: 7 } }, 0);
    expect(historyAsked).toEqual([
      { channelID: 'news', limit: 100, order: 'desc' },
      { channelID: 'news', limit: 7, order: 'desc' },
    ]);
    expect((await commands.run(APP, { method: 'history', params: { channel: 'quiet' } }, 0)).error).toBe(
      'not_available: channel quiet keeps no history (it is not persistent)',
    );
  });

  it("answers channels and stats from the live gateways' reports, with this app's share only", async () => {
    const { commands } = setup();
    expect(await commands.run(APP, { method: 'channels', params: {} }, 0)).toEqual({
      method: 'channels',
      error: null,
      body: { data: ['chat', 'news'] },
    });
    // gocent sends params {} for channels and stats; null and absent params are accepted too.
    expect(await commands.run(APP, { method: 'stats', params: null }, 0)).toEqual({
      method: 'stats',
      error: null,
      body: {
        data: {
          nodes: [
            {
              uid: 'gw1',
              name: 'gw1',
              started_at: 1_700_000_000,
              metrics: { node_num_clients: 3, node_num_subscriptions: 4, node_num_channels: 2 },
            },
            {
              uid: 'gw2',
              name: 'gw2',
              started_at: 0,
              metrics: { node_num_clients: 0, node_num_subscriptions: 0, node_num_channels: 0 },
            },
          ],
          metrics_interval: 2,
        },
      },
    });
    expect((await commands.run('other', { method: 'channels' }, 0)).body).toEqual({ data: ['secret'] });
  });
});
