import { signToken } from '@channels/auth';
import { call, collect, connectClient, sleep, Stack, TEST_JWT_SECRET } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';

const LEEWAY_MS = 500;
const NOTICE_MS = 1_500;

/**
 * Revocation (Centrifugo-style): deleting a client or its app closes its connections on every
 * gateway and refuses its tokens from then on, at connect and over HTTP; a connection whose token
 * expires is told (`refresh_required`) and closed (`token_expired`) unless it sent a fresh token
 * with `refresh`.
 */
describe('revoked and expired tokens lose their connections', () => {
  const stack = new Stack({
    gateways: 2,
    writers: 0,
    presences: 0,
    serviceEnv: {
      gateway: { TOKEN_EXPIRY_LEEWAY_MS: String(LEEWAY_MS), TOKEN_REFRESH_NOTICE_MS: String(NOTICE_MS) },
    },
  });
  const sockets: Socket[] = [];
  let http: Http;
  const app = 'revoke';

  const connect = async (gateway: number, token: string, appID = app) => {
    const c = await connectClient(stack.url('gateway', gateway), { token, appID });
    sockets.push(c.socket);
    return c;
  };
  const refused = async (gateway: number, token: string, appID = app) => {
    const r = await Promise.allSettled([connectClient(stack.url('gateway', gateway), { token, appID })]);
    expect(r[0].status).toBe('rejected');
    expect((r[0] as PromiseRejectedResult).reason).toMatchObject({
      message: 'unauthorized',
      data: { code: 401 },
    });
  };
  const closed = (s: Socket) =>
    new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason)));
  const ok = async (p: Promise<{ status: number; text: string }>, status = 200) => {
    const r = await p;
    expect({ status: r.status, text: r.text }).toEqual({ status, text: expect.any(String) });
    return r;
  };
  const createApp = async (appID: string, clients: string[]) => {
    await ok(http.post('/app', { token: stack.superAdminToken(), body: { AppID: appID, Name: appID } }));
    for (const clientID of clients)
      await ok(http.post('/client', { token: stack.adminToken(appID), appID, body: { clientID } }));
    await ok(
      http.post('/channel', { token: stack.adminToken(appID), appID, body: { channelID: 'news' } }),
      201,
    );
  };

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    await createApp(app, ['alice', 'bob', 'dora']);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('deleting a client closes its connections on both gateways and refuses its tokens at connect and over HTTP', async () => {
    const token = stack.clientToken(app, 'alice');
    const { socket: a1 } = await connect(0, token);
    const { socket: a2 } = await connect(1, token);
    // Both gateways have looked the client up (and cached the answer) before the deletion.
    const { socket: probe0 } = await connect(0, token);
    const { socket: probe1 } = await connect(1, token);
    const { socket: bob } = await connect(1, stack.clientToken(app, 'bob'));
    expect((await http.get('/channel/open', { token, appID: app })).status).toBe(200);

    const gone = [a1, a2, probe0, probe1].map(closed);
    await ok(http.delete(`/v1/apps/${app}/clients/alice`, { token: stack.adminToken(app) }), 204);
    expect(await Promise.all(gone)).toEqual(Array(4).fill('io server disconnect'));
    expect(bob.connected).toBe(true);

    await refused(0, token);
    await refused(1, token);
    const http401 = await http.get<{ error: { code: string } }>('/channel/open', { token, appID: app });
    expect(http401.status).toBe(401);
    expect(http401.body.error.code).toBe('unauthorized');

    // Created again: its old tokens stay refused, tokens issued from the next second on work.
    await ok(http.post('/client', { token: stack.adminToken(app), appID: app, body: { clientID: 'alice' } }));
    await refused(1, token);
    await sleep(1_100);
    const fresh = stack.clientToken(app, 'alice');
    expect((await connect(0, fresh)).ready).toMatchObject({ clientID: 'alice' });
    expect((await http.get('/channel/open', { token: fresh, appID: app })).status).toBe(200);
  });

  it('deleting an app closes its connections on both gateways and refuses its tokens, also once it exists again', async () => {
    await createApp('doomed', ['carl']);
    const clientToken = stack.clientToken('doomed', 'carl');
    const adminToken = stack.adminToken('doomed');
    const { socket: c0 } = await connect(0, clientToken, 'doomed');
    const { socket: c1 } = await connect(1, adminToken, 'doomed');
    const gone = [c0, c1].map(closed);
    await ok(http.delete('/app/doomed', { token: stack.superAdminToken() }));
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    await refused(0, clientToken, 'doomed');
    await refused(1, adminToken, 'doomed');

    // Created again (with tokens issued from the next second on): the old tokens stay refused.
    await sleep(1_100);
    await createApp('doomed', ['carl']);
    await refused(0, clientToken, 'doomed');
    await refused(1, adminToken, 'doomed');
    expect((await http.get('/v1/apps/doomed', { token: adminToken })).status).toBe(401);
    expect((await connect(0, stack.clientToken('doomed', 'carl'), 'doomed')).ready).toMatchObject({
      clientID: 'carl',
    });
  });

  it('closes a connection whose token expires, after telling it, unless it refreshed its token in time', async () => {
    const short = stack.clientToken(app, 'dora', 3);
    const { socket: lapsing, ready } = await connect(0, short);
    const { socket: refreshing } = await connect(1, short);
    expect(ready['expiresAt']).toEqual(expect.any(Number));
    const lapsingNotices = collect<{ expiresAt: number }>(lapsing, 'refresh_required');
    const expired = collect<{ expiresAt: number }>(lapsing, 'token_expired');
    const lapsed = closed(lapsing);

    // The refreshing connection answers the notice with a fresh token; bad ones are refused.
    const notice = await new Promise<{ expiresAt: number }>((resolve) =>
      refreshing.once('refresh_required', resolve),
    );
    expect(notice.expiresAt).toBe(Number(ready['expiresAt']));
    expect(await call(refreshing, 'refresh', { token: 'garbage' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await call(refreshing, 'refresh', { token: stack.clientToken(app, 'bob', 60) })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await call(refreshing, 'refresh', { token: stack.adminToken(app, 'dora') })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await call(refreshing, 'refresh', {})).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    const renewed = await call<{ ok: boolean; expiresAt?: number }>(refreshing, 'refresh', {
      token: stack.clientToken(app, 'dora', 60),
    });
    expect(renewed).toEqual({ ok: true, expiresAt: expect.any(Number) });
    expect(renewed.expiresAt).toBeGreaterThan(Number(ready['expiresAt']));

    expect(await lapsed).toBe('io server disconnect');
    expect(lapsingNotices).toEqual([{ expiresAt: Number(ready['expiresAt']) }]);
    expect(expired).toEqual([{ expiresAt: Number(ready['expiresAt']) }]);
    // Closed no earlier than the token's expiry plus the leeway.
    expect(Date.now()).toBeGreaterThanOrEqual(Number(ready['expiresAt']) + LEEWAY_MS);

    // The refreshed connection outlives its first token and still works.
    await sleep(LEEWAY_MS + 1_200);
    expect(refreshing.connected).toBe(true);
    const sub = await call<{ ok: boolean }>(refreshing, 'subscribe', { channels: ['news'] });
    expect(sub.ok).toBe(true);

    // A token without exp: the connection no longer expires.
    const forever = signToken(TEST_JWT_SECRET, { Role: 'Client', ClientID: 'dora', AppID: app });
    expect(await call(refreshing, 'refresh', { token: forever })).toEqual({ ok: true });
  });
});
