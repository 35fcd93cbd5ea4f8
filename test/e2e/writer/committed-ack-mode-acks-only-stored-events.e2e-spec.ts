import { call, connectClient, Fixtures, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';

interface PublishAck {
  ok: boolean;
  id?: string;
  offset?: number;
  epoch?: string;
  error?: { code: string; message: string };
}

const TIMEOUT_MS = 1_500;

/**
 * Ack mode "committed" (per app, or per channel): a publish is acknowledged only once the writer
 * committed the event to Postgres. With the writer stopped, the publish fails with the retryable
 * `unavailable` after COMMIT_ACK_TIMEOUT_MS; once the writer is back, the publisher's retry with
 * the same id is acknowledged with the same offset and the event is stored once.
 */
describe('committed ack mode acknowledges only events stored in Postgres', () => {
  const stack = new Stack({
    gateways: 1,
    writers: 1,
    presences: 0,
    env: { COMMIT_ACK_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  let fx: Fixtures;
  let http: Http;
  let pub: Socket;
  const APP = 'ledger';
  const CH = 'payments';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    http = new Http(stack.adminUrl);
    const created = await http.post('/v1/apps', {
      token: stack.superAdminToken(),
      body: { appID: APP, name: 'Ledger', ackMode: 'committed' },
    });
    expect(created).toMatchObject({ status: 201, body: { appID: APP, ackMode: 'committed' } });
    const channel = await http.post(`/v1/apps/${APP}/channels`, {
      token: stack.adminToken(APP),
      body: { channelID: CH, persistent: true },
    });
    expect(channel.body).toMatchObject({ ackMode: null, effectiveAckMode: 'committed' });
    pub = (await connectClient(stack.url('gateway'), { token: stack.clientToken(APP, 'alice'), appID: APP }))
      .socket;
  }, 120_000);

  afterAll(async () => {
    pub?.close();
    await fx?.close();
    await stack.stop();
  });

  const stored = async (id: string) =>
    (await fx.storedEvents(APP, CH)).filter((e) => e.id === id).map((e) => e.offset);

  it('acks a socket publish and an HTTP publish only once the row is in Postgres', async () => {
    for (let i = 0; i < 20; i++) {
      const ack = await call<PublishAck>(pub, 'publish', {
        channelID: CH,
        eventType: 'pay',
        payload: { i },
        id: `socket-${i}`,
      });
      expect(ack).toMatchObject({ ok: true, offset: i + 1 });
      // Queried right when the ack arrived.
      expect(await stored(`socket-${i}`)).toEqual([i + 1]);
    }
    const r = await http.post<{ offset: number }>(`/v1/apps/${APP}/channels/${CH}/events`, {
      token: stack.adminToken(APP),
      body: { eventType: 'pay', payload: 'http', id: 'http-1' },
    });
    expect(r.status).toBe(201);
    expect(await stored('http-1')).toEqual([r.body.offset]);
  });

  it('fails with unavailable while the writer is stopped, and acks the retry with the same id once it is back', async () => {
    const [writer] = stack.all('persistence-writer');
    await stack.terminate(writer);
    const started = Date.now();
    const failed = await call<PublishAck>(pub, 'publish', {
      channelID: CH,
      eventType: 'pay',
      payload: 'while down',
      id: 'retry-me',
    });
    expect(failed).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(await stored('retry-me')).toEqual([]);

    await stack.startService('persistence-writer');
    const retried = await call<PublishAck>(pub, 'publish', {
      channelID: CH,
      eventType: 'pay',
      payload: 'while down',
      id: 'retry-me',
    });
    expect(retried).toMatchObject({ ok: true, id: 'retry-me', offset: 22 });
    expect(await stored('retry-me')).toEqual([22]);
    const all = await fx.storedEvents(APP, CH);
    expect(all.map((e) => e.offset)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('lets a channel opt out: its own "queued" mode wins over the app\'s', async () => {
    const r = await http.patch(`/v1/apps/${APP}/channels/${CH}`, {
      token: stack.adminToken(APP),
      body: { ackMode: 'queued' },
    });
    expect(r.body).toMatchObject({ ackMode: 'queued', effectiveAckMode: 'queued' });
    const [writer] = stack.all('persistence-writer');
    await stack.terminate(writer);
    const ack = await call<PublishAck>(pub, 'publish', { channelID: CH, eventType: 'pay', payload: 'fast' });
    expect(ack).toMatchObject({ ok: true, offset: 23 });
    const bad = await http.patch(`/v1/apps/${APP}`, {
      token: stack.adminToken(APP),
      body: { ackMode: 'sometimes' },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
  });
});
