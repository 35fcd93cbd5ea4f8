import { ChannelsClient } from './channels-client';
import { ChannelsError } from './channels-error';
import { FakeServer, flush } from './fake-transport.testing';
import type { ChannelsClientOptions, ConnectionState, DisconnectInfo } from './types';

/** A JWT-shaped token whose payload carries `exp` (seconds); the signature is not checked client-side. */
const jwt = (exp?: number) =>
  `h.${Buffer.from(JSON.stringify({ Role: 'Client', ClientID: 'alice', ...(exp ? { exp } : {}) })).toString('base64url')}.s`;

describe('ChannelsClient', () => {
  let server: FakeServer;
  const make = (o: Partial<ChannelsClientOptions> = {}) =>
    new ChannelsClient({
      url: 'http://channels.test',
      appID: 'app',
      token: 't1',
      transport: server.factory,
      ...o,
    });

  beforeEach(() => {
    server = new FakeServer();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  });
  afterEach(() => jest.useRealTimers());

  it('refuses options it cannot work with', () => {
    expect(() => new ChannelsClient({ url: '', appID: 'a', token: 't' })).toThrow(/url/);
    expect(() => new ChannelsClient({ url: 'http://x', appID: '', token: 't' })).toThrow(/appID/);
    expect(() => new ChannelsClient({ url: 'http://x', appID: 'a' })).toThrow(/token/);
  });

  it('connects with the token, app and device, and reports its states', async () => {
    const client = make({ deviceID: 'phone' });
    const states: ConnectionState[] = [];
    client.on('state', (s) => states.push(s));
    const connected = client.connect();
    await flush();
    expect(server.last.options.auth).toEqual({ token: 't1', appID: 'app', deviceID: 'phone' });
    expect(client.state).toBe('connecting');
    server.last.accept();
    await connected;
    expect(client.state).toBe('connected');
    expect(client.connection?.clientID).toBe('alice');
    await client.disconnect();
    expect(server.last.closedByClient).toBe(true);
    expect(states).toEqual(['connecting', 'connected', 'disconnected']);
  });

  it('retries a refused or failed connection with jittered exponential backoff until it connects', async () => {
    const client = make({ reconnect: { minDelayMs: 100, maxDelayMs: 1_000 } });
    const waits: number[] = [];
    const errors: string[] = [];
    client.on('disconnected', (d: DisconnectInfo) => waits.push(d.retryInMs ?? -1));
    client.on('error', (e) => errors.push(e.code));
    let connected = false;
    void client.connect().then(() => (connected = true));
    for (let i = 0; i < 6; i++) {
      await flush();
      if (i % 2 === 0) server.last.refuse('unavailable', 'Postgres is down');
      else server.last.refuse('websocket error');
      jest.advanceTimersByTime(waits[waits.length - 1]);
    }
    await flush();
    server.last.accept();
    await flush();
    expect(connected).toBe(true);
    expect(server.connections).toHaveLength(7);
    // Each delay lies in the upper half of min(max, 100·2^n).
    waits.forEach((w, n) => {
      const ceiling = Math.min(1_000, 100 * 2 ** n);
      expect(w).toBeGreaterThanOrEqual(ceiling / 2);
      expect(w).toBeLessThanOrEqual(ceiling);
    });
    // Only the server's refusals are errors; a network failure is just a retry.
    expect(errors).toEqual(['unavailable', 'unavailable', 'unavailable']);
  });

  it('reconnects after a lost connection, reusing the device id the server gave', async () => {
    const client = make({ reconnect: { minDelayMs: 50, maxDelayMs: 50 } });
    const connecting = client.connect();
    await flush();
    server.last.accept({ deviceID: 'assigned-7' });
    await connecting;
    server.last.drop('ping timeout');
    expect(client.state).toBe('connecting');
    jest.advanceTimersByTime(50);
    await flush();
    expect(server.connections).toHaveLength(2);
    expect(server.last.options.auth.deviceID).toBe('assigned-7');
    server.last.accept();
    expect(client.state).toBe('connected');
  });

  it('stops for good when a fixed token is refused (connect rejects with unauthorized)', async () => {
    const client = make();
    const connecting = client.connect();
    await flush();
    server.last.refuse('unauthorized', 'invalid token');
    await expect(connecting).rejects.toEqual(new ChannelsError('unauthorized', 'invalid token'));
    expect(client.state).toBe('disconnected');
    jest.advanceTimersByTime(60_000);
    expect(server.connections).toHaveLength(1);
  });

  it('with getToken, fetches a new token after a refusal and gives up only if that one is refused too', async () => {
    const getToken = jest.fn<Promise<string>, []>().mockResolvedValueOnce('t2').mockResolvedValueOnce('t3');
    const client = make({ token: 'old', getToken });
    const connecting = client.connect();
    await flush();
    expect(server.last.options.auth.token).toBe('old');
    server.last.refuse('unauthorized');
    jest.advanceTimersByTime(0); // at once, no backoff
    await flush();
    expect(server.last.options.auth.token).toBe('t2');
    server.last.refuse('unauthorized');
    await expect(connecting).rejects.toMatchObject({ code: 'unauthorized' });
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it('fetches a token before connecting when the one it has expires within seconds', async () => {
    const soon = jwt(Math.floor(Date.now() / 1000) + 2);
    const client = make({ token: soon, getToken: async () => 'fresh' });
    void client.connect();
    await flush();
    expect(server.last.options.auth.token).toBe('fresh');
  });

  it('answers refresh_required with refresh and a token from getToken', async () => {
    const client = make({ getToken: async () => 'renewed' });
    const errors: ChannelsError[] = [];
    client.on('error', (e) => errors.push(e));
    const connecting = client.connect();
    await flush();
    server.last.accept({ expiresAt: Date.now() + 20_000 });
    await connecting;
    server.last.push('refresh_required', { expiresAt: Date.now() + 20_000 });
    await flush();
    const refresh = server.last.one('refresh');
    expect(refresh.payload).toEqual({ token: 'renewed' });
    refresh.answer({ ok: false, error: { code: 'forbidden', message: 'another client' } });
    expect(errors.map((e) => e.code)).toEqual(['forbidden']);
  });

  it('after token_expired and the server closing, reconnects with a fresh token', async () => {
    const tokens = ['first', 'second'];
    const client = make({ token: undefined, getToken: async () => tokens.shift() as string });
    const connecting = client.connect();
    await flush();
    server.last.accept();
    await connecting;
    server.last.push('token_expired', { expiresAt: Date.now() });
    server.last.drop('io server disconnect');
    jest.runOnlyPendingTimers();
    await flush();
    expect(server.last.options.auth.token).toBe('second');
  });

  it('keeps trying through getToken failures', async () => {
    const getToken = jest.fn<Promise<string>, []>().mockRejectedValueOnce(new Error('backend down'));
    getToken.mockResolvedValueOnce('ok');
    const client = make({ token: undefined, getToken, reconnect: { minDelayMs: 10, maxDelayMs: 10 } });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    void client.connect();
    await flush();
    expect(server.connections).toHaveLength(0);
    jest.advanceTimersByTime(10);
    await flush();
    expect(server.last.options.auth.token).toBe('ok');
    expect(errors).toEqual(['getToken() failed: backend down']);
  });

  it('times out calls that get no answer, and rejects waiting calls on disconnect()', async () => {
    const client = make({ requestTimeoutMs: 1_000 });
    const connecting = client.connect();
    await flush();
    server.last.accept();
    await connecting;
    const history = client.channel('room').history({ limit: 5 });
    expect(server.last.one('history').payload).toEqual({ channelID: 'room', limit: 5 });
    jest.advanceTimersByTime(1_000);
    await expect(history).rejects.toMatchObject({ code: 'timeout' });
    const publish = client.channel('room').publish('t', 1);
    await client.disconnect();
    await expect(publish).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('isolates a throwing listener from the SDK and the other listeners', async () => {
    const seen: unknown[] = [];
    const client = make({ onListenerError: (e, event) => seen.push([event, (e as Error).message]) });
    const states: string[] = [];
    client.on('state', () => {
      throw new Error('boom');
    });
    client.on('state', (s) => states.push(s));
    const connecting = client.connect();
    await flush();
    server.last.accept();
    await connecting;
    expect(states).toEqual(['connecting', 'connected']);
    expect(seen).toEqual([
      ['state', 'boom'],
      ['state', 'boom'],
    ]);
  });

  it('passes new_channel and remove_channel on', async () => {
    const client = make();
    const got: string[] = [];
    client.on('new_channel', (e) => got.push(`new:${e.channelID}`));
    client.on('remove_channel', (e) => got.push(`remove:${e.channelID}`));
    const connecting = client.connect();
    await flush();
    server.last.accept();
    await connecting;
    server.last.push('new_channel', { channelID: 'a' });
    server.last.push('remove_channel', { channelID: 'b' });
    expect(got).toEqual(['new:a', 'remove:b']);
  });

  it('lists channels a page at a time', async () => {
    const client = make();
    const connecting = client.connect();
    await flush();
    server.last.accept();
    await connecting;
    const page = client.listChannels({ kind: 'open', limit: 1 });
    const call = server.last.one('channels');
    expect(call.payload).toEqual({ kind: 'open', limit: 1 });
    call.answer({ ok: true, channels: [{ channelID: 'a' }], nextCursor: 'c1' });
    await expect(page).resolves.toEqual({ channels: [{ channelID: 'a' }], nextCursor: 'c1' });
  });
});
