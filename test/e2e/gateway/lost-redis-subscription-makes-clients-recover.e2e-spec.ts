import { eventually, Fixtures, killSubscriberConnection, sleep, Stack } from '@channels/testing';
import { io, type Socket } from 'socket.io-client';
import { Http } from '../admin-api/support/http';

interface Ev {
  offset: number;
  epoch: string;
  payload: unknown;
}
interface SubAck {
  ok: boolean;
  results: Record<string, { ok: boolean; offset: number; epoch: string; recovered?: boolean; events?: Ev[] }>;
}

/**
 * No silent gap when a gateway's Redis subscriber connection is lost: node-redis subscribes again
 * once it is back, but what was published meanwhile never reached the gateway. The gateway closes
 * its clients' connections when the subscriber connection is restored, so that they reconnect and
 * recover — every event once, in order, as after a gateway crash.
 */
describe("a gateway's lost Redis subscription", () => {
  const stack = new Stack({ gateways: 1, writers: 1, presences: 0 });
  let fx: Fixtures;
  let http: Http;
  const sockets: Socket[] = [];
  const APP = 'resub';
  const CH = 'feed';

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, CH, { persistent: true });
    http = new Http(stack.adminUrl);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  it('closes client connections once it is restored; they recover every event, once, in order', async () => {
    const client = io(stack.url('gateway'), {
      auth: { token: stack.clientToken(APP, 'reader'), appID: APP },
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
    });
    sockets.push(client);
    const received: Ev[] = [];
    let position: { offset: number; epoch: string } | undefined;
    let disconnects = 0;
    client.on('disconnect', () => disconnects++);
    client.on('event', (e: Ev) => {
      received.push(e);
      position = { offset: e.offset, epoch: e.epoch };
    });
    const answers: SubAck['results'][string][] = [];
    client.on('ready', () => {
      // The recovered events are taken in the acknowledgement callback itself: live events that
      // follow the answer may arrive in the same read, and their handlers run right after it (a
      // promise's continuation would run only after them).
      client.emit(
        'subscribe',
        { channels: [CH], ...(position ? { recover: { [CH]: position } } : {}) },
        (ack: SubAck) => {
          const r = ack.results[CH];
          answers.push(r);
          for (const e of r.events ?? []) received.push(e);
          const last = received.at(-1);
          position = last ? { offset: last.offset, epoch: r.epoch } : r;
        },
      );
    });
    await eventually(() => answers.length === 1, 'subscribed');
    const start = answers[0].offset;

    const admin = stack.adminToken(APP);
    const publish = (i: number) =>
      http.post<{ offset: number }>(`/v1/apps/${APP}/channels/${CH}/events`, {
        token: admin,
        body: { eventType: 'm', payload: i },
      });
    for (let i = 0; i < 5; i++) expect((await publish(i)).status).toBe(201);
    await eventually(() => received.length === 5, 'five live events');

    await killSubscriberConnection(`channels-gateway-sub:${stack.all('gateway')[0].env['GATEWAY_ID']}`);
    // Published while the gateway's subscription is down or coming back.
    for (let i = 5; i < 40; i++) expect((await publish(i)).status).toBe(201);

    await eventually(() => disconnects >= 1, 'the gateway closed the connection for recovery', 10_000);
    await eventually(() => answers.length >= 2, 'resubscribed after reconnecting', 10_000);
    expect(answers.at(-1)).toMatchObject({ ok: true, recovered: true });
    await eventually(() => received.length >= 40, 'every event received', 10_000);
    await sleep(300);
    expect(received.map((e) => e.offset)).toEqual(Array.from({ length: 40 }, (_, i) => start + 1 + i));
    expect(received.map((e) => e.payload)).toEqual(Array.from({ length: 40 }, (_, i) => i));

    const metrics = await (await fetch(`${stack.url('gateway')}/metrics`)).text();
    expect(metrics).toMatch(/^channels_gateway_recovery_closes_total [1-9]/m);
  });
});
