import type { InitialOnlineStatusPayload, OnlineStatusPayload } from '@channels/contracts';
import { call, collect, connectClient, Fixtures, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';

/** Short presence timings for e2e runs (every service reads the ones it knows). */
export const GRACE_MS = 1_500;
export const LEASE_MS = 1_500;
export const PRESENCE_TEST_ENV: Record<string, string> = {
  PRESENCE_GRACE_MS: String(GRACE_MS),
  PRESENCE_LEASE_MS: String(LEASE_MS),
  PRESENCE_HEARTBEAT_MS: '300',
  PRESENCE_REAP_INTERVAL_MS: '200',
  PRESENCE_CLAIM_MS: '1000',
  PRESENCE_POLL_MS: '20',
  DRAIN_WINDOW_MS: '300',
  STATS_INTERVAL_MS: '1000',
};
/** Longest a killed gateway's clients may take to be announced offline with these timings. */
export const CRASH_BOUND_MS = LEASE_MS + GRACE_MS + 3_000;

export interface PresenceClient {
  clientID: string;
  socket: Socket;
  /** Every `online_status` received, in order. */
  online: OnlineStatusPayload[];
  /** Every `initial_online_status` received, in order. */
  initial: InitialOnlineStatusPayload[];
  /** Events and acks in arrival order (`initial:<channel>`, `ack`). */
  order: string[];
  subscribe(channels: string[]): Promise<{ ok: boolean; results: Record<string, { ok: boolean }> }>;
  /** `online_status` payloads about one client, as `clientID:status`. */
  heardAbout(clientID: string): string[];
}

/** Connects a client to gateway `gw` (index or URL), recording its presence events from the first moment. */
export async function presenceClient(
  stack: Stack,
  gw: number | string,
  appID: string,
  clientID: string,
  deviceID?: string,
): Promise<PresenceClient> {
  const { socket } = await connectClient(typeof gw === 'string' ? gw : stack.url('gateway', gw), {
    token: stack.clientToken(appID, clientID),
    appID,
    ...(deviceID ? { deviceID } : {}),
  });
  const online = collect<OnlineStatusPayload>(socket, 'online_status');
  const initial = collect<InitialOnlineStatusPayload>(socket, 'initial_online_status');
  const order: string[] = [];
  socket.on('initial_online_status', (p: InitialOnlineStatusPayload) => order.push(`initial:${p.channelID}`));
  return {
    clientID,
    socket,
    online,
    initial,
    order,
    subscribe: async (channels) => {
      const ack = await call<{ ok: boolean; results: Record<string, { ok: boolean }> }>(socket, 'subscribe', {
        channels,
      });
      order.push('ack');
      return ack;
    },
    heardAbout: (id) => online.filter((o) => o.clientID === id).map((o) => `${o.clientID}:${o.status}`),
  };
}

/**
 * A stack with two gateways and `presences` presence replicas, an app `appID` with one presence
 * channel `lobby`, started before the file's tests and stopped after them. `connect` opens a client
 * on a gateway and subscribes it to the lobby; every client is closed at the end.
 */
export function lobbyScenario(appID: string, presences = 1) {
  const stack = new Stack({ gateways: 2, writers: 0, adminApi: false, presences, env: PRESENCE_TEST_ENV });
  const clients: PresenceClient[] = [];
  let fx: Fixtures | undefined;

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(appID);
    await fx.channel(appID, 'lobby', { presence: true });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await fx?.close();
    await stack.stop();
  });

  const connect = async (gw: number | string, clientID: string): Promise<PresenceClient> => {
    const c = await presenceClient(stack, gw, appID, clientID);
    clients.push(c);
    await c.subscribe(['lobby']);
    return c;
  };
  return { stack, connect, clients };
}
