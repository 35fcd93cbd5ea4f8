import { Stack } from '@channels/testing';
import { Http, type Reply } from './support/http';

/**
 * The original routes as the original SDKs call them: the JavaScript SDK posts to
 * `/channel/{id}/publish/` (trailing slash), and every SDK lists a client's channels with
 * `GET /channel/open` and `GET /channel/private`.
 */
describe('original routes, as the original SDKs call them', () => {
  const stack = new Stack({ gateways: 0, writers: 1, presences: 0 });
  let http: Http;
  let root: string;
  let admin: string;

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    root = stack.superAdminToken();
    admin = stack.adminToken('sdk');
  }, 60_000);
  afterAll(() => stack.stop());

  const ok = (r: Reply, status = 200) => expect({ status: r.status, body: r.body }).toMatchObject({ status });

  it('accepts a trailing slash on every original route, with the same answers', async () => {
    const as = { token: admin, appID: 'sdk' };
    ok(await http.post('/app/', { token: root, body: { AppID: 'sdk', Name: 'SDK' } }));
    ok(await http.post('/app/', { token: root, body: { AppID: 'gone', Name: 'Gone' } }));
    ok(await http.put('/app/sdk/', { token: root, body: { Name: 'SDK app' } }));
    const apps = await http.get<{ Apps: { AppID: string; Name: string }[] }>('/app/', { token: root });
    ok(apps);
    expect(apps.body.Apps).toContainEqual({ AppID: 'sdk', Name: 'SDK app' });
    ok(await http.delete('/app/gone/', { token: root }));
    expect((await http.delete('/app/gone/', { token: root })).status).toBe(404);

    ok(await http.post('/client/', { ...as, body: { clientID: 'u1', username: 'one' } }));
    ok(await http.post('/client/', { ...as, body: { clientID: 'u2', username: 'two' } }));
    ok(await http.put('/client/u1/', { ...as, body: { username: 'uno' } }));
    const clients = await http.get<{ clients: { ID: string; Username: string }[] }>('/client/', as);
    expect(clients.body.clients.map((c) => [c.ID, c.Username])).toEqual([
      ['u1', 'uno'],
      ['u2', 'two'],
    ]);

    ok(
      await http.post('/channel/', { ...as, body: { channelID: 'room', persistent: true, private: true } }),
      201,
    );
    ok(await http.post('/channel/room/join/u1/', as));
    ok(await http.post('/channel/room/join/u2/', as));
    ok(await http.post('/channel/room/leave/u2/', as));
    expect((await http.post('/channel/room/leave/u2/', as)).status).toBe(404);

    // The JavaScript SDK's publish, with a client token.
    const t0 = Math.floor(Date.now() / 1000);
    const u1 = { token: stack.clientToken('sdk', 'u1'), appID: 'sdk' };
    for (const payload of ['m1', 'm2']) {
      const published = await http.post<{ id: string; offset: number; timestamp: number }>(
        '/channel/room/publish/',
        { ...u1, body: { eventType: 'chat', payload } },
      );
      ok(published);
      expect(published.body).toEqual({
        id: expect.any(String),
        offset: expect.any(Number),
        timestamp: expect.any(Number),
      });
    }
    const t1 = Math.floor(Date.now() / 1000);
    const payloads = async (path: string) => {
      const r = await http.get<{ events: { payload: string }[] }>(path, u1);
      ok(r);
      return r.body.events.map((e) => e.payload);
    };
    expect(await payloads('/last/room/10/')).toEqual(['m2', 'm1']);
    expect(await payloads(`/last/room/10/last/${t0}/`)).toEqual(['m2', 'm1']);
    expect(await payloads(`/c/room/sync/${t0}/`)).toEqual(['m1', 'm2']);
    expect(await payloads(`/sync/room/${t0}/to/${t1}/`)).toEqual(['m1', 'm2']);

    ok(await http.post('/channel/room/close/', as));
    expect(
      (await http.post('/channel/room/publish/', { ...u1, body: { eventType: 'chat', payload: 'x' } }))
        .status,
    ).toBe(400);
    ok(await http.post('/channel/room/open/', as));
    ok(await http.get('/channel/open/', as));
    ok(await http.get('/channel/private/', as));
    ok(await http.delete('/channel/room/', as));
    expect((await http.delete('/channel/room/', as)).status).toBe(404);
    ok(await http.delete('/client/u2/', as));
  });

  it('answers a route it does not have, slash or not, with 404', async () => {
    expect((await http.get('/channel/room/publish/', { token: admin, appID: 'sdk' })).status).toBe(404);
    expect((await http.post('/channel/room/publish//', { token: admin, appID: 'sdk' })).status).toBe(404);
    expect((await http.get('/nothing/', { token: admin })).status).toBe(404);
  });

  it('lists the private channels a client is a member of for its token, and all of them for an admin', async () => {
    const as = { token: admin, appID: 'sdk' };
    ok(await http.post('/client/', { ...as, body: { clientID: 'alice' } }));
    ok(await http.post('/client/', { ...as, body: { clientID: 'bob' } }));
    for (const channelID of ['p-both', 'p-alice', 'p-bob'])
      ok(await http.post('/channel', { ...as, body: { channelID, private: true } }), 201);
    ok(await http.post('/channel', { ...as, body: { channelID: 'public' } }), 201);
    await http.post('/channel/p-both/join/alice', as);
    await http.post('/channel/p-both/join/bob', as);
    await http.post('/channel/p-alice/join/alice', as);
    await http.post('/channel/p-bob/join/bob', as);

    const ids = async (path: string, o: { token: string; appID?: string }) => {
      const r = await http.get<{ channels: { id: string; isPrivate: boolean }[] }>(path, o);
      expect(r.status).toBe(200);
      return r.body.channels.map((c) => c.id);
    };
    const alice = stack.clientToken('sdk', 'alice');
    expect(await ids('/channel/private', { token: alice, appID: 'sdk' })).toEqual(['p-alice', 'p-both']);
    expect(await ids('/channel/private', { token: stack.clientToken('sdk', 'bob'), appID: 'sdk' })).toEqual([
      'p-bob',
      'p-both',
    ]);
    // The token names the client's app: the AppID header may be left out.
    expect(await ids('/channel/private', { token: alice })).toEqual(['p-alice', 'p-both']);
    expect(await ids('/channel/open', { token: alice })).toEqual(['public']);
    // A client of another app sees none of them, whatever AppID it names.
    expect(await ids('/channel/private', { token: stack.clientToken('other', 'alice') })).toEqual([]);
    expect(
      (await http.get('/channel/private', { token: stack.clientToken('other', 'alice'), appID: 'sdk' }))
        .status,
    ).toBe(403);
    // An admin sees every private channel of its app; the shape is the documented one.
    expect(await ids('/channel/private', as)).toEqual(['p-alice', 'p-bob', 'p-both']);
    const shaped = await http.get<{ channels: Record<string, unknown>[] }>('/channel/private', {
      token: alice,
      appID: 'sdk',
    });
    expect(shaped.body.channels[0]).toEqual({
      id: 'p-alice',
      appID: 'sdk',
      name: '',
      createdAt: expect.any(Number),
      isClosed: false,
      extra: '',
      isPersistent: false,
      isPrivate: true,
      isPresence: false,
    });
  });
});
