import { eventually, Fixtures, Stack } from '@channels/testing';
import { Http } from '../admin-api/support/http';

/**
 * Deleting a channel deletes its events — also the ones still queued for the writer. With the
 * writer behind (here: not running), acked events of a channel that is then deleted and
 * re-created under the same id must never show up in the new channel's history once the writer
 * catches up; the new channel's own events are stored as usual.
 */
describe('events of a deleted channel still in the queue', () => {
  const stack = new Stack({ gateways: 0, writers: 0, presences: 0 });
  let fx: Fixtures;
  let http: Http;
  const APP = 'reborn';
  const CH = 'news';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    http = new Http(stack.adminUrl);
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
    await stack.stop();
  });

  it('are discarded by the writer, not stored in a channel re-created under the same id', async () => {
    const admin = stack.adminToken(APP);
    const create = () =>
      http.post(`/v1/apps/${APP}/channels`, { token: admin, body: { channelID: CH, persistent: true } });
    const publish = (payload: string) =>
      http.post<{ offset: number; epoch: string }>(`/v1/apps/${APP}/channels/${CH}/events`, {
        token: admin,
        body: { eventType: 'm', payload },
      });

    expect((await create()).status).toBe(201);
    for (const p of ['old-1', 'old-2', 'old-3']) expect((await publish(p)).status).toBe(201);
    expect((await http.delete(`/v1/apps/${APP}/channels/${CH}`, { token: admin })).status).toBe(204);
    expect((await create()).status).toBe(201);
    const fresh = await publish('new-1');
    expect(fresh.status).toBe(201);

    const writer = await stack.startService('persistence-writer');
    await eventually(
      async () => (await fx.storedEvents(APP, CH)).length > 0,
      'the re-created channel stored its event',
      20_000,
    );
    // The queue is drained once the old events were taken out too.
    const metric = async () => {
      const text = await (await fetch(`${writer.url}/metrics`)).text();
      const m = /^channels_writer_events_total\{result="deleted_channel"\} (\S+)$/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    await eventually(
      async () => (await metric()) === 3,
      'three events of the deleted channel discarded',
      20_000,
    );
    const stored = await fx.storedEvents(APP, CH);
    expect(stored.map((e) => e.payload)).toEqual(['new-1']);
    const history = await http.get<{ events: { payload: unknown }[] }>(
      `/v1/apps/${APP}/channels/${CH}/events`,
      { token: admin },
    );
    expect(history.body.events.map((e) => e.payload)).toEqual(['new-1']);
  });
});
