import { Stack } from '@channels/testing';
import { errorShape, eventually, Http } from './support/http';

/**
 * The original product's routes, driven with the requests its documentation shows (same paths,
 * headers, bodies), checked for the documented statuses and response shapes.
 */
describe('original routes, as the original documentation uses them', () => {
  const stack = new Stack({ gateways: 0, writers: 1, presences: 0 });
  let http: Http;
  let root: string;
  let admin: string;

  beforeAll(async () => {
    await stack.start();
    http = new Http(stack.adminUrl);
    root = stack.superAdminToken();
    admin = stack.adminToken('123');
  }, 60_000);
  afterAll(() => stack.stop());

  it('creates, lists, renames and deletes apps (super admin), with the documented shapes and statuses', async () => {
    const created = await http.post('/app', { token: root, body: { AppID: '123', Name: 'App3' } });
    expect(created.status).toBe(200);
    expect((await http.post('/app', { token: root, body: { AppID: '123', Name: 'again' } })).status).toBe(
      409,
    );
    await http.post('/app', { token: root, body: { AppID: '1234', Name: 'App1' } });

    const list = await http.get<{ Apps: { AppID: string; Name: string }[] }>('/app', { token: root });
    expect(list.status).toBe(200);
    expect(list.body.Apps).toEqual(
      expect.arrayContaining([
        { AppID: '1234', Name: 'App1' },
        { AppID: '123', Name: 'App3' },
      ]),
    );
    for (const a of list.body.Apps) expect(Object.keys(a).sort()).toEqual(['AppID', 'Name']);

    // An admin may rename its own app.
    expect((await http.put('/app/123', { token: admin, body: { Name: 'Any name you want' } })).status).toBe(
      200,
    );
    expect((await http.put('/app/nope', { token: root, body: { Name: 'x' } })).status).toBe(404);
    const renamed = await http.get<{ Apps: { AppID: string; Name: string }[] }>('/app', { token: root });
    expect(renamed.body.Apps).toContainEqual({ AppID: '123', Name: 'Any name you want' });

    expect((await http.delete('/app/1234', { token: root })).status).toBe(200);
    expect((await http.delete('/app/1234', { token: root })).status).toBe(404);
  });

  it('accepts the token with or without "Bearer"', async () => {
    expect((await http.get('/app', { token: root })).status).toBe(200);
    expect((await http.get('/app', { token: `Bearer ${root}` })).status).toBe(200);
    expect((await http.get('/app', { token: `bearer ${root}` })).status).toBe(200);
    const none = await http.get('/app');
    expect(none.status).toBe(401);
    expect(none.body).toEqual(errorShape('unauthorized'));
  });

  it('manages clients with the AppID header and answers the documented client shape', async () => {
    const body = { clientID: '55', username: 'lisomatrix', extra: '{ "Im_Json": "Hi Json, Im Dad" }' };
    expect((await http.post('/client', { token: admin, appID: '123', body })).status).toBe(200);
    expect((await http.post('/client', { token: admin, appID: '123', body })).status).toBe(409);
    expect(
      (
        await http.post('/client', {
          token: admin,
          appID: '123',
          body: { clientID: '123', username: 'lisomatrix', extra: 'test_extra' },
        })
      ).status,
    ).toBe(200);

    const list = await http.get<{ clients: unknown[] }>('/client', { token: admin, appID: '123' });
    expect(list.status).toBe(200);
    expect(list.body.clients).toEqual([
      { ID: '123', Username: 'lisomatrix', AppID: '123', Extra: 'test_extra' },
      { ID: '55', Username: 'lisomatrix', AppID: '123', Extra: '{ "Im_Json": "Hi Json, Im Dad" }' },
    ]);

    const upd = await http.put('/client/55', {
      token: admin,
      appID: '123',
      body: { username: 'Any name you want', extra: 'A string' },
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toEqual({ ID: '55', Username: 'Any name you want', AppID: '123', Extra: 'A string' });
    expect(
      (await http.put('/client/nobody', { token: admin, appID: '123', body: { username: 'x' } })).status,
    ).toBe(404);

    // Without the AppID header: every app, super admin only.
    const all = await http.get<{ clients: { AppID: string }[] }>('/client', { token: root });
    expect(all.status).toBe(200);
    expect(all.body.clients.length).toBeGreaterThanOrEqual(2);
    expect((await http.get('/client', { token: admin })).status).toBe(403);

    // Delete always answers 200.
    expect((await http.delete('/client/123', { token: admin, appID: '123' })).status).toBe(200);
    expect((await http.delete('/client/123', { token: admin, appID: '123' })).status).toBe(200);
    const after = await http.get<{ clients: { ID: string }[] }>('/client', { token: admin, appID: '123' });
    expect(after.body.clients.map((c) => c.ID)).toEqual(['55']);
  });

  it('creates channels (201), lists open and private ones with createdAt in seconds', async () => {
    const before = Math.floor(Date.now() / 1000);
    const seedBody = {
      channelID: 'what_any_id_you_want',
      name: 'Any name you want',
      persistent: true,
      private: false,
      presence: true,
      extra: 'A string about the channel, it can be JSON',
    };
    const created = await http.post('/channel', { token: admin, appID: '123', body: seedBody });
    expect(created.status).toBe(201);
    expect((await http.post('/channel', { token: admin, appID: '123', body: seedBody })).status).toBe(409);
    expect(
      (
        await http.post('/channel', {
          token: admin,
          appID: '123',
          body: {
            channelID: '1234',
            name: 'Hi_Channel_One_Im_Dad',
            persistent: true,
            private: true,
            extra: 'no extra',
          },
        })
      ).status,
    ).toBe(201);

    const open = await http.get<{ channels: Record<string, unknown>[] }>('/channel/open', {
      token: admin,
      appID: '123',
    });
    expect(open.status).toBe(200);
    expect(open.body.channels).toEqual([
      {
        id: 'what_any_id_you_want',
        appID: '123',
        name: 'Any name you want',
        createdAt: expect.any(Number),
        isClosed: false,
        extra: 'A string about the channel, it can be JSON',
        isPersistent: true,
        isPrivate: false,
        isPresence: true,
      },
    ]);
    const createdAt = open.body.channels[0]['createdAt'] as number;
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(createdAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));

    const priv = await http.get<{ channels: { id: string; isPrivate: boolean }[] }>('/channel/private', {
      token: admin,
      appID: '123',
    });
    expect(priv.body.channels.map((c) => [c.id, c.isPrivate])).toEqual([['1234', true]]);

    // A client sees the open channels and only the private ones it is a member of.
    const client55 = stack.clientToken('123', '55');
    expect(
      (await http.get<{ channels: unknown[] }>('/channel/private', { token: client55, appID: '123' })).body
        .channels,
    ).toEqual([]);
    expect((await http.post('/channel/1234/join/55', { token: admin, appID: '123' })).status).toBe(200);
    expect(
      (
        await http.get<{ channels: { id: string }[] }>('/channel/private', { token: client55, appID: '123' })
      ).body.channels.map((c) => c.id),
    ).toEqual(['1234']);

    // Without AppID: every app (super admin only).
    expect((await http.get('/channel/open', { token: root })).status).toBe(200);
    expect((await http.get('/channel/open', { token: admin })).status).toBe(403);
  });

  it('joins and leaves clients (200, also when already a member; 404 unknown)', async () => {
    await http.post('/channel', { token: admin, appID: '123', body: { channelID: 'room', private: true } });
    expect((await http.post('/channel/room/join/55', { token: admin, appID: '123' })).status).toBe(200);
    // The original documents 200 and 404 only: joining again is a success that changes nothing.
    const again = await http.post('/channel/room/join/55', { token: admin, appID: '123' });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: '' });
    const members = await http.get<{ members: { clientID: string }[] }>(
      '/v1/apps/123/channels/room/members',
      {
        token: admin,
      },
    );
    expect(members.body.members.map((m) => m.clientID)).toEqual(['55']);
    expect((await http.post('/channel/room/join/ghost', { token: admin, appID: '123' })).status).toBe(404);
    expect((await http.post('/channel/nochannel/join/55', { token: admin, appID: '123' })).status).toBe(404);
    expect((await http.post('/channel/room/leave/55', { token: admin, appID: '123' })).status).toBe(200);
    expect((await http.post('/channel/room/leave/55', { token: admin, appID: '123' })).status).toBe(404);
  });

  it('publishes over HTTP (200), refuses a closed channel (400) until reopened, 404 for an unknown one', async () => {
    await http.post('/channel', { token: admin, appID: '123', body: { channelID: 'pub', persistent: true } });
    const body = { payload: 'Your_Json_Payload', eventType: 'Any event type you want' };
    const ok = await http.post<{ id: string; offset: number }>('/channel/pub/publish', {
      token: admin,
      appID: '123',
      body,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.offset).toBe(1);

    expect((await http.post('/channel/pub/close', { token: admin, appID: '123' })).status).toBe(200);
    const refused = await http.post('/channel/pub/publish', { token: admin, appID: '123', body });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(errorShape('channel_closed'));
    // Closed channels stay readable.
    expect(
      (await http.get<{ events: unknown[] }>('/last/pub/10', { token: admin, appID: '123' })).body.events,
    ).toHaveLength(1);

    expect((await http.post('/channel/pub/open', { token: admin, appID: '123' })).status).toBe(200);
    // Answers repeated while the channel is unchanged are reused; a publish is in the very next one.
    const last = async () =>
      (
        await http.get<{ events: { payload: unknown }[] }>('/last/pub/10', { token: admin, appID: '123' })
      ).body.events.map((e) => e.payload);
    for (let i = 0; i < 3; i++) expect(await last()).toEqual(['Your_Json_Payload']);
    const next = { payload: { n: 2 }, eventType: 'second' };
    expect((await http.post('/channel/pub/publish', { token: admin, appID: '123', body: next })).status).toBe(
      200,
    );
    expect(await last()).toEqual([{ n: 2 }, 'Your_Json_Payload']);
    expect(await last()).toEqual([{ n: 2 }, 'Your_Json_Payload']);
    expect((await http.post('/channel/pub/publish', { token: admin, appID: '123', body })).status).toBe(200);
    expect(await last()).toEqual(['Your_Json_Payload', { n: 2 }, 'Your_Json_Payload']);
    expect((await http.post('/channel/nope/publish', { token: admin, appID: '123', body })).status).toBe(404);
    expect((await http.post('/channel/nope/close', { token: admin, appID: '123' })).status).toBe(404);
    expect((await http.post('/channel/nope/open', { token: admin, appID: '123' })).status).toBe(404);
  });

  it('serves the four synchronization routes with second timestamps, inclusive bounds', async () => {
    await http.post('/channel', {
      token: admin,
      appID: '123',
      body: { channelID: 'sync', persistent: true },
    });
    const t0 = Math.floor(Date.now() / 1000);
    for (let i = 1; i <= 5; i++) {
      const r = await http.post('/channel/sync/publish', {
        token: admin,
        appID: '123',
        body: { payload: `m${i}`, eventType: 'testing publish type' },
      });
      expect(r.status).toBe(200);
    }
    const t1 = Math.floor(Date.now() / 1000);

    const last = await http.get<{ events: { payload: string; timestamp: number }[] }>('/last/sync/3', {
      token: admin,
      appID: '123',
    });
    expect(last.status).toBe(200);
    expect(last.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(last.body.events.map((e) => e.payload)).toEqual(['m5', 'm4', 'm3']);
    expect(last.body.events[0]).toEqual({
      senderID: 'admin',
      eventType: 'testing publish type',
      payload: 'm5',
      channelID: 'sync',
      timestamp: expect.any(Number),
    });
    for (const e of last.body.events) {
      expect(e.timestamp).toBeGreaterThanOrEqual(t0);
      expect(e.timestamp).toBeLessThanOrEqual(t1);
    }

    const lastSince = await http.get<{ events: { payload: string }[] }>(`/last/sync/2/last/${t0}`, {
      token: admin,
      appID: '123',
    });
    expect(lastSince.body.events.map((e) => e.payload)).toEqual(['m5', 'm4']);
    expect(
      (await http.get<{ events: unknown[] }>(`/last/sync/2/last/${t1 + 1}`, { token: admin, appID: '123' }))
        .body.events,
    ).toEqual([]);

    const since = await http.get<{ events: { payload: string }[] }>(`/c/sync/sync/${t0}`, {
      token: admin,
      appID: '123',
    });
    expect(since.body.events.map((e) => e.payload)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

    const between = await http.get<{ events: { payload: string }[] }>(`/sync/sync/${t0}/to/${t1}`, {
      token: admin,
      appID: '123',
    });
    expect(between.body.events.map((e) => e.payload)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(
      (
        await http.get<{ events: unknown[] }>(`/sync/sync/${t0 - 100}/to/${t0 - 1}`, {
          token: admin,
          appID: '123',
        })
      ).body.events,
    ).toEqual([]);

    expect((await http.get('/last/nope/3', { token: admin, appID: '123' })).status).toBe(404);
    expect((await http.get('/last/sync/abc', { token: admin, appID: '123' })).status).toBe(400);
  });

  it('lets whoever may subscribe read history, and nobody else', async () => {
    await http.post('/channel', {
      token: admin,
      appID: '123',
      body: { channelID: 'secret', persistent: true, private: true },
    });
    await http.post('/channel/secret/publish', {
      token: admin,
      appID: '123',
      body: { payload: { n: 1 }, eventType: 'e' },
    });
    await http.post('/client', { token: admin, appID: '123', body: { clientID: 'member' } });
    await http.post('/client', { token: admin, appID: '123', body: { clientID: 'outsider' } });
    await http.post('/channel/secret/join/member', { token: admin, appID: '123' });

    const member = await http.get<{ events: { payload: unknown }[] }>('/last/secret/10', {
      token: stack.clientToken('123', 'member'),
      appID: '123',
    });
    expect(member.status).toBe(200);
    expect(member.body.events.map((e) => e.payload)).toEqual([{ n: 1 }]);
    expect(
      (await http.get('/last/secret/10', { token: stack.clientToken('123', 'outsider'), appID: '123' }))
        .status,
    ).toBe(403);
    // Another app's admin or client cannot read it by naming this app.
    expect(
      (await http.get('/last/secret/10', { token: stack.adminToken('other'), appID: '123' })).status,
    ).toBe(403);
    expect(
      (await http.get('/last/secret/10', { token: stack.clientToken('other', 'member'), appID: '123' }))
        .status,
    ).toBe(403);
    // An open channel is readable by any client of the app.
    expect(
      (await http.get('/last/sync/1', { token: stack.clientToken('123', 'outsider'), appID: '123' })).status,
    ).toBe(200);
  });

  it('deletes cascade: a deleted channel takes its events and memberships, a deleted app everything', async () => {
    await http.post('/app', { token: root, body: { AppID: 'doomed', Name: 'd' } });
    const a = stack.adminToken('doomed');
    await http.post('/client', { token: a, appID: 'doomed', body: { clientID: 'c1' } });
    await http.post('/channel', {
      token: a,
      appID: 'doomed',
      body: { channelID: 'ch', persistent: true, private: true },
    });
    await http.post('/channel/ch/join/c1', { token: a, appID: 'doomed' });
    await http.post('/channel/ch/publish', {
      token: a,
      appID: 'doomed',
      body: { payload: 'x', eventType: 'e' },
    });

    expect((await http.delete('/channel/ch', { token: a, appID: 'doomed' })).status).toBe(200);
    expect((await http.delete('/channel/ch', { token: a, appID: 'doomed' })).status).toBe(404);
    expect((await http.get('/last/ch/10', { token: a, appID: 'doomed' })).status).toBe(404);
    // Re-created under the same id, it starts empty and publishing works again.
    await http.post('/channel', { token: a, appID: 'doomed', body: { channelID: 'ch', persistent: true } });
    expect(
      (await http.get<{ events: unknown[] }>('/last/ch/10', { token: a, appID: 'doomed' })).body.events,
    ).toEqual([]);
    expect(
      (
        await http.post('/channel/ch/publish', {
          token: a,
          appID: 'doomed',
          body: { payload: 'y', eventType: 'e' },
        })
      ).status,
    ).toBe(200);

    expect((await http.delete('/app/doomed', { token: root })).status).toBe(200);
    expect(
      (await http.get<{ clients: { AppID: string }[] }>('/client', { token: root })).body.clients.filter(
        (c) => c.AppID === 'doomed',
      ),
    ).toEqual([]);
    expect(
      (
        await http.get<{ channels: { appID: string }[] }>('/channel/open', { token: root })
      ).body.channels.filter((c) => c.appID === 'doomed'),
    ).toEqual([]);
    // Publishing to the deleted app's channel is refused.
    expect(
      (
        await http.post('/channel/ch/publish', {
          token: root,
          appID: 'doomed',
          body: { payload: 'z', eventType: 'e' },
        })
      ).status,
    ).toBe(404);
  });

  it('answers CORS preflights for every method the routes use, DELETE included', async () => {
    const res = await fetch(`${stack.adminUrl}/channel/x`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://dashboard.example',
        'Access-Control-Request-Method': 'DELETE',
        'Access-Control-Request-Headers': 'authorization,appid,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const methods = (res.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']));
    const headers = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    expect(headers).toContain('authorization');
    expect(headers).toContain('appid');
    const get = await fetch(`${stack.adminUrl}/app`, {
      headers: { Origin: 'https://dashboard.example', Authorization: root },
    });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('stores HTTP publishes: they reach Postgres through the writer', async () => {
    await http.post('/channel', {
      token: admin,
      appID: '123',
      body: { channelID: 'durable', persistent: true },
    });
    const r = await http.post<{ offset: number }>('/channel/durable/publish', {
      token: admin,
      appID: '123',
      body: { payload: 'kept', eventType: 'e' },
    });
    expect(r.status).toBe(200);
    const pg = await import('pg');
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const row = await eventually(async () => {
        const q = await db.query(
          'SELECT payload, "offset" FROM events WHERE app_id = $1 AND channel_id = $2',
          ['123', 'durable'],
        );
        return q.rows[0] as { payload: unknown; offset: string } | undefined;
      });
      expect(row.payload).toBe('kept');
      expect(Number(row.offset)).toBe(r.body.offset);
    } finally {
      await db.end();
    }
  });
});
