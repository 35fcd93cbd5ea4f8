import { eventually, sleep } from '@channels/testing';
import { webhookScenario } from './support/webhooks-stack';

interface Delivery {
  id: string;
  status: string;
  sequence: number;
  attempts: { statusCode?: number; error?: string }[];
}

/**
 * Delivery is at least once, with the webhook's id as the idempotency key: a failed attempt is
 * retried with the same id and the same bytes; a receiver that is down for a while gets every
 * webhook once it is back, each channel's in sequence order; one that keeps failing leaves a dead
 * letter that is listed and can be retried.
 */
describe('retries keep the id and lose nothing while the receiver is down', () => {
  const ctx = webhookScenario('whr');
  const app = '/v1/apps/whr';
  const member = async (channelID: string, clientID: string) => {
    await ctx.fx.client('whr', clientID);
    const r = await ctx.http.put(`${app}/channels/${channelID}/members/${clientID}`, { token: ctx.token });
    expect(r.status).toBe(201);
  };
  const deliveries = async (status?: string) =>
    (
      await ctx.http.get<{ deliveries: Delivery[] }>(
        `${app}/webhooks/deliveries${status ? `?status=${status}` : ''}`,
        {
          token: ctx.token,
        },
      )
    ).body.deliveries;

  beforeAll(async () => {
    await ctx.subscribe(['member_added']);
    for (const c of ['one', 'down', 'dead']) await ctx.fx.channel('whr', c);
  });
  beforeEach(() => {
    ctx.receiver.received.length = 0;
    ctx.receiver.answer = () => 204;
  });

  it('retries a failed first attempt with the same id and body, and records both attempts', async () => {
    const { receiver } = ctx;
    receiver.answer = (_, attempt) => (attempt === 1 ? 500 : 200);
    await member('one', 'ivy');
    await eventually(() => receiver.delivered.length === 1, 'delivered after a retry');
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 200]);
    const [first, second] = receiver.received;
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['x-channels-webhook-id']).toBe(first.body.id);
    expect(second.raw).toBe(first.raw);
    expect(second.headers['x-channels-signature']).toBe(first.headers['x-channels-signature']);
    const listed = (await deliveries()).find((d) => d.id === first.body.id);
    expect(listed?.status).toBe('delivered');
    expect(listed?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(listed?.attempts[0].error).toBe('answered HTTP 500');
  });

  it('delivers everything, in order, once a receiver that was down is back', async () => {
    const { receiver } = ctx;
    await receiver.down();
    const clients = ['a1', 'a2', 'a3', 'a4', 'a5'];
    for (const c of clients) await member('down', c);
    await eventually(
      async () => (await deliveries('pending')).some((d) => d.attempts.length >= 2),
      'the head retried while the receiver is down',
    );
    await sleep(500);
    await receiver.up();
    await eventually(
      () => receiver.delivered.filter((b) => b.channelID === 'down').length === 5,
      'all five',
      20_000,
    );
    const got = receiver.delivered.filter((b) => b.channelID === 'down');
    expect(got.map((b) => b.clientID)).toEqual(clients);
    expect(got.map((b) => b.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(receiver.badSignatures(ctx.apiSecret)).toEqual([]);
    const head = (await deliveries()).find((d) => d.id === got[0].id);
    expect(head?.attempts.length).toBeGreaterThan(2);
    expect(head?.attempts[0].error).toMatch(/ECONNREFUSED/);
  });

  it('keeps a webhook whose every attempt failed as a dead letter, lists it, and retries it on request', async () => {
    const { receiver, http, token } = ctx;
    receiver.answer = () => 503;
    await member('dead', 'zed');
    await eventually(async () => (await deliveries('failed')).length === 1, 'a dead letter', 20_000);
    const [dead] = await deliveries('failed');
    expect(dead.attempts).toHaveLength(6); // WEBHOOK_ATTEMPTS
    expect(receiver.received.every((r) => r.body.id === dead.id)).toBe(true);

    // The channel moves on: the next webhook of the same channel is not stuck behind it.
    receiver.answer = () => 204;
    await member('dead', 'amy');
    await eventually(() => receiver.delivered.some((b) => b.clientID === 'amy'), 'the next one');

    const retried = await http.post<Delivery>(`${app}/webhooks/deliveries/${dead.id}/retry`, { token });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: dead.id, status: 'pending' });
    await eventually(() => receiver.delivered.some((b) => b.id === dead.id), 'the dead letter delivered');
    const again = receiver.delivered.find((b) => b.id === dead.id);
    expect(again).toMatchObject({ clientID: 'zed', sequence: 1 });
    await eventually(async () => (await deliveries('failed')).length === 0, 'no dead letter left');
    const conflict = await http.post<{ error: { code: string } }>(
      `${app}/webhooks/deliveries/${dead.id}/retry`,
      {
        token,
      },
    );
    expect(conflict.status).toBe(409);
    expect(
      (await http.post(`${app}/webhooks/deliveries/00000000-0000-4000-8000-000000000000/retry`, { token }))
        .status,
    ).toBe(404);
  });
});
