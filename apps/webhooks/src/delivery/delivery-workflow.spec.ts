import type { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from '@channels/contracts';
import type { NewWebhookDelivery } from '@channels/db';
import {
  InMemoryWebhookDispatch,
  InMemoryWebhookOutbox,
  InMemoryWebhookSettings,
  type SlotAnswer,
  WebhookEmitter,
} from '@channels/realtime';
import { type DeliveryStore, DeliveryWorkflow } from './delivery-workflow';
import type { SendResult } from './webhook-sender';

class MemoryStore implements DeliveryStore {
  readonly rows = new Map<string, WebhookDelivery>();
  async recordAttempt(d: NewWebhookDelivery, attempt: WebhookAttempt, status: WebhookDeliveryStatus) {
    const row = this.rows.get(d.id) ?? {
      ...d,
      status,
      attempts: [],
      createdAt: attempt.at,
      updatedAt: attempt.at,
    };
    row.attempts.push(attempt);
    row.status = status;
    this.rows.set(d.id, row);
    return true;
  }
  async find(appID: string, id: string) {
    const r = this.rows.get(id);
    return r && r.appID === appID ? r : null;
  }
}

describe('DeliveryWorkflow', () => {
  let outbox: InMemoryWebhookOutbox;
  let dispatch: InMemoryWebhookDispatch;
  let store: MemoryStore;
  let emitter: WebhookEmitter;
  let sent: { url: string; id: string; body: string; secret: string }[];
  let answers: SendResult[];
  let slots: SlotAnswer[];
  let targetOn: boolean;
  let workflow: DeliveryWorkflow;

  beforeEach(async () => {
    outbox = new InMemoryWebhookOutbox();
    dispatch = new InMemoryWebhookDispatch();
    store = new MemoryStore();
    const settings = new InMemoryWebhookSettings();
    await settings.mirror('shop', ['channel_occupied', 'channel_vacated']);
    emitter = new WebhookEmitter(settings, outbox, dispatch, () => 1_000);
    sent = [];
    answers = [];
    slots = [];
    targetOn = true;
    workflow = new DeliveryWorkflow(
      {
        outbox,
        dispatch,
        store,
        target: async () =>
          targetOn ? { url: 'http://receiver/hook', types: ['channel_occupied'], apiSecret: 'sekret' } : null,
        acquire: async () => slots.shift() ?? { ok: true, release: async () => undefined },
        send: async (url, id, body, secret) => {
          sent.push({ url, id, body, secret });
          return answers.shift() ?? { ok: true, statusCode: 200, durationMs: 3 };
        },
        clock: () => 5_000,
      },
      3,
    );
  });

  const fail = (code = 500): SendResult => ({
    ok: false,
    statusCode: code,
    error: `answered HTTP ${code}`,
    durationMs: 2,
  });

  it('sends the head with its exact body, records it delivered and hands the next one on', async () => {
    const a = await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    const b = await emitter.emit('shop', 'channel_vacated', { channelID: 'room' });
    expect(dispatch.delivers.map((j) => j.deliveryID)).toEqual([a?.id]);

    const outcome = await workflow.deliver(dispatch.delivers[0], 0);
    expect(outcome.kind).toBe('delivered');
    expect(JSON.parse(sent[0].body)).toEqual({
      id: a?.id,
      appID: 'shop',
      type: 'channel_occupied',
      channelID: 'room',
      sequence: 1,
      timestamp: 1_000,
    });
    expect(sent[0]).toMatchObject({ url: 'http://receiver/hook', id: a?.id, secret: 'sekret' });
    expect(store.rows.get(a?.id ?? '')).toMatchObject({
      status: 'delivered',
      sequence: 1,
      attempts: [{ at: 5_000, statusCode: 200, durationMs: 3 }],
    });
    expect(dispatch.delivers.map((j) => j.deliveryID)).toEqual([a?.id, b?.id]);
    expect(await outbox.head({ appID: 'shop', channelID: 'room' })).toBe(b?.id);
  });

  it('keeps the chain waiting while its head is retried, with the same id and bytes each time', async () => {
    const a = await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    await emitter.emit('shop', 'channel_vacated', { channelID: 'room' });
    answers.push(fail(503));
    expect(await workflow.deliver(dispatch.delivers[0], 0)).toMatchObject({
      kind: 'retry',
      error: 'answered HTTP 503',
    });
    expect(store.rows.get(a?.id ?? '')?.status).toBe('pending');
    expect(dispatch.delivers).toHaveLength(1); // the second waits

    expect((await workflow.deliver(dispatch.delivers[0], 1)).kind).toBe('delivered');
    expect(sent.map((s) => s.id)).toEqual([a?.id, a?.id]);
    expect(sent[1].body).toBe(sent[0].body);
    expect(store.rows.get(a?.id ?? '')?.attempts.map((x) => x.statusCode)).toEqual([503, 200]);
    expect(dispatch.delivers).toHaveLength(2);
  });

  it('fails for good after the last attempt (a dead letter) and moves the chain on', async () => {
    const a = await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    const b = await emitter.emit('shop', 'channel_vacated', { channelID: 'room' });
    answers.push(fail(), fail(), fail());
    expect((await workflow.deliver(dispatch.delivers[0], 0)).kind).toBe('retry');
    expect((await workflow.deliver(dispatch.delivers[0], 1)).kind).toBe('retry');
    expect(await workflow.deliver(dispatch.delivers[0], 2)).toEqual({
      kind: 'failed',
      error: 'answered HTTP 500',
    });
    expect(store.rows.get(a?.id ?? '')).toMatchObject({ status: 'failed' });
    expect(store.rows.get(a?.id ?? '')?.attempts).toHaveLength(3);
    expect(dispatch.delivers.map((j) => j.deliveryID)).toEqual([a?.id, b?.id]);
  });

  it('does not count a run without a free slot as an attempt, and sends nothing then', async () => {
    await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    slots.push({ ok: false, retryInMs: 250 });
    expect(await workflow.deliver(dispatch.delivers[0], 0)).toEqual({ kind: 'throttled', retryInMs: 250 });
    expect(sent).toEqual([]);
    expect(store.rows.size).toBe(0);
  });

  it('skips a job whose delivery already finished or is not its chain head', async () => {
    const a = await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    const b = await emitter.emit('shop', 'channel_vacated', { channelID: 'room' });
    expect(
      (await workflow.deliver({ appID: 'shop', channelID: 'room', deliveryID: b?.id ?? '' }, 0)).kind,
    ).toBe('skipped');
    await workflow.deliver(dispatch.delivers[0], 0);
    expect(await workflow.deliver({ appID: 'shop', channelID: 'room', deliveryID: a?.id ?? '' }, 0)).toEqual({
      kind: 'skipped',
      reason: 'already finished',
    });
    expect(sent.map((s) => s.id)).toEqual([a?.id]);
  });

  it('records a dead letter without sending when the app turned its webhooks off', async () => {
    const a = await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    targetOn = false;
    expect((await workflow.deliver(dispatch.delivers[0], 0)).kind).toBe('failed');
    expect(sent).toEqual([]);
    expect(store.rows.get(a?.id ?? '')).toMatchObject({
      status: 'failed',
      attempts: [{ error: 'webhooks are turned off for the app' }],
    });
  });

  it('retries a failed delivery with its stored body, out of its chain', async () => {
    const a = await emitter.emit('shop', 'channel_occupied', { channelID: 'room' });
    answers.push(fail(), fail(), fail());
    for (let i = 0; i < 3; i++) await workflow.deliver(dispatch.delivers[0], i);
    const row = store.rows.get(a?.id ?? '');
    if (row) row.status = 'pending'; // what the admin API's retry does before queueing the job
    expect((await workflow.retry({ appID: 'shop', deliveryID: a?.id ?? '' }, 0)).kind).toBe('delivered');
    expect(sent[3].body).toBe(sent[0].body);
    expect(store.rows.get(a?.id ?? '')?.status).toBe('delivered');
    expect((await workflow.retry({ appID: 'shop', deliveryID: a?.id ?? '' }, 0)).kind).toBe('skipped');
  });
});
