import { eventually } from '@channels/testing';
import { webhookScenario } from './support/webhooks-stack';

interface Delivery {
  id: string;
  type: string;
  status: string;
  sequence: number;
  body: string;
  attempts: { at: number; statusCode?: number; error?: string; durationMs: number }[];
}

/**
 * An admin points the app's webhooks at its backend through `/v1`; adding and removing members
 * then reaches the backend as signed `member_added` / `member_removed` webhooks, in order, and every
 * delivery is listed with its attempts.
 */
describe('member webhooks reach a receiver set through /v1', () => {
  const ctx = webhookScenario('whm');
  const app = '/v1/apps/whm';

  it('validates the setting and lets only the app admins and super admins touch it', async () => {
    const { http, stack, token, receiver } = ctx;
    expect((await http.get(`${app}/webhooks`, { token })).status).toBe(404);
    const bad = async (body: unknown) =>
      (await http.put<{ error: { message: string } }>(`${app}/webhooks`, { token, body })).body.error.message;
    expect(await bad({ url: 'ftp://x/y', types: ['member_added'] })).toBe(
      'url: must be an http or https URL',
    );
    expect(await bad({ url: 'not a url', types: ['member_added'] })).toBe(
      'url: must be an http or https URL',
    );
    expect(await bad({ url: receiver.url, types: [] })).toBe('types: must not be empty');
    expect(await bad({ url: receiver.url, types: ['member_added', 'member_added'] })).toBe(
      'types: must not repeat a type',
    );
    expect(await bad({ url: receiver.url, types: ['channel_opened'] })).toMatch(
      /^types\.0: must be one of "channel_occupied"/,
    );
    const body = { url: receiver.url, types: ['member_added'] };
    expect((await http.put(`${app}/webhooks`, { token: stack.adminToken('other'), body })).status).toBe(403);
    expect((await http.put(`${app}/webhooks`, { token: stack.clientToken('whm', 'c'), body })).status).toBe(
      403,
    );
    expect((await http.put('/v1/apps/nope/webhooks', { token: stack.superAdminToken(), body })).status).toBe(
      404,
    );
    expect((await http.get(`${app}/webhooks/deliveries?status=lost`, { token })).status).toBe(400);
    expect((await http.post(`${app}/webhooks/deliveries/not-a-uuid/retry`, { token })).status).toBe(400);

    const put = await http.put(`${app}/webhooks`, { token: stack.superAdminToken(), body });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(body);
    expect((await http.get(`${app}/webhooks`, { token })).body).toEqual(body);
  });

  it('sends member_added / member_removed signed, in sequence order, and lists them delivered', async () => {
    const { http, token, receiver, fx, apiSecret } = ctx;
    await ctx.subscribe(['member_added', 'member_removed']);
    await fx.channel('whm', 'team');
    for (const c of ['ann', 'ben']) await fx.client('whm', c);
    expect((await http.put(`${app}/channels/team/members/ann`, { token })).status).toBe(201);
    expect((await http.put(`${app}/channels/team/members/ann`, { token })).status).toBe(200); // no change, no webhook
    expect((await http.put(`${app}/channels/team/members/ben`, { token })).status).toBe(201);
    expect((await http.delete(`${app}/channels/team/members/ann`, { token })).status).toBe(204);

    await eventually(() => receiver.delivered.length === 3, 'three webhooks');
    expect(receiver.delivered.map((b) => [b.type, b.clientID, b.sequence])).toEqual([
      ['member_added', 'ann', 1],
      ['member_added', 'ben', 2],
      ['member_removed', 'ann', 3],
    ]);
    for (const r of receiver.received) {
      expect(r.headers['x-channels-webhook-id']).toBe(r.body.id);
      expect(r.body).toMatchObject({ appID: 'whm', channelID: 'team' });
      expect(Math.abs(r.body.timestamp - Date.now())).toBeLessThan(60_000);
    }
    expect(receiver.badSignatures(apiSecret)).toEqual([]);
    expect(new Set(receiver.delivered.map((b) => b.id)).size).toBe(3);

    await eventually(async () => {
      const page = await http.get<{ deliveries: Delivery[] }>(`${app}/webhooks/deliveries?status=delivered`, {
        token,
      });
      return page.body.deliveries.length === 3;
    }, 'three deliveries listed');
    const page = await http.get<{ deliveries: Delivery[]; nextCursor: string | null }>(
      `${app}/webhooks/deliveries?limit=2`,
      { token },
    );
    expect(page.body.deliveries).toHaveLength(2);
    const rest = await http.get<{ deliveries: Delivery[]; nextCursor: string | null }>(
      `${app}/webhooks/deliveries?limit=2&cursor=${page.body.nextCursor}`,
      { token },
    );
    expect(rest.body.nextCursor).toBeNull();
    const all = [...page.body.deliveries, ...rest.body.deliveries];
    // Newest first, each with the exact body sent and its one attempt.
    expect(all.map((d) => d.sequence)).toEqual([3, 2, 1]);
    for (const d of all) {
      const sent = receiver.received.find((r) => r.body.id === d.id);
      expect(d.body).toBe(sent?.raw);
      expect(d.status).toBe('delivered');
      expect(d.attempts).toEqual([expect.objectContaining({ statusCode: 204 })]);
    }
    expect(
      (await http.get<{ deliveries: Delivery[] }>(`${app}/webhooks/deliveries?status=failed`, { token })).body
        .deliveries,
    ).toEqual([]);
  });

  it('sends event_published for each event published, once per event id, with the event', async () => {
    const { http, token, receiver, fx } = ctx;
    await ctx.subscribe(['event_published']);
    await fx.channel('whm', 'feed', { persistent: true });
    const before = receiver.delivered.length;
    const publish = (id: string, payload: unknown) =>
      http.post<{ offset: number }>(`${app}/channels/feed/events`, {
        token,
        body: { eventType: 'news', payload, id },
      });
    const first = await publish('e-1', { n: 1 });
    expect(first.status).toBe(201);
    expect((await publish('e-1', { n: 1 })).status).toBe(201); // the same event again: no second webhook
    expect((await publish('e-2', { n: 2 })).status).toBe(201);
    await eventually(() => receiver.delivered.length === before + 2, 'two event_published webhooks');
    const got = receiver.delivered.slice(before);
    expect(got.map((b) => [b.type, b.channelID, (b.data as { id: string }).id])).toEqual([
      ['event_published', 'feed', 'e-1'],
      ['event_published', 'feed', 'e-2'],
    ]);
    expect(got[0]?.data).toMatchObject({ eventType: 'news', payload: { n: 1 }, offset: first.body.offset });
    expect(got[1]?.sequence ?? 0).toBeGreaterThan(got[0]?.sequence ?? 0);
  });

  it('sends nothing once turned off', async () => {
    const { http, token, receiver } = ctx;
    expect((await http.delete(`${app}/webhooks`, { token })).status).toBe(204);
    expect((await http.delete(`${app}/webhooks`, { token })).status).toBe(404);
    const before = receiver.received.length;
    expect((await http.put(`${app}/channels/team/members/ann`, { token })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.received.length).toBe(before);
  });
});
