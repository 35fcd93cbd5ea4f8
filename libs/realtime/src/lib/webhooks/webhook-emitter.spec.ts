import { webhookBodySchema } from '@channels/contracts';
import { InMemoryWebhookDispatch } from './in-memory-webhook-dispatch';
import { InMemoryWebhookOutbox } from './in-memory-webhook-outbox';
import { InMemoryWebhookSettings } from './in-memory-webhook-settings';
import { WebhookEmitter } from './webhook-emitter';

describe('WebhookEmitter', () => {
  let settings: InMemoryWebhookSettings;
  let outbox: InMemoryWebhookOutbox;
  let dispatch: InMemoryWebhookDispatch;
  let emitter: WebhookEmitter;
  let ids: number;

  beforeEach(async () => {
    settings = new InMemoryWebhookSettings();
    outbox = new InMemoryWebhookOutbox();
    dispatch = new InMemoryWebhookDispatch();
    ids = 0;
    emitter = new WebhookEmitter(
      settings,
      outbox,
      dispatch,
      () => 1_700_000_000_000,
      () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    );
    await settings.mirror('shop', ['member_added', 'channel_occupied']);
  });

  it('queues nothing for an app without webhooks or for a type it did not choose', async () => {
    expect(await emitter.emit('other', 'member_added', { channelID: 'c', clientID: 'x' })).toBeNull();
    expect(await emitter.emit('shop', 'client_online', { channelID: 'c', clientID: 'x' })).toBeNull();
    expect(await outbox.head({ appID: 'shop', channelID: 'c' })).toBeNull();
    expect(dispatch.delivers).toEqual([]);
  });

  it('gives each webhook a new id and the next sequence of its channel, in a body the contract accepts', async () => {
    const a = await emitter.emit('shop', 'member_added', { channelID: 'c', clientID: 'x', data: { k: 1 } });
    const b = await emitter.emit('shop', 'channel_occupied', { channelID: 'c' });
    const c = await emitter.emit('shop', 'channel_occupied', { channelID: 'd' });
    expect([a?.sequence, b?.sequence, c?.sequence]).toEqual([1, 2, 1]);
    expect(new Set([a?.id, b?.id, c?.id]).size).toBe(3);
    const body = await outbox.read({ appID: 'shop', channelID: 'c' }, a?.id ?? '');
    expect(webhookBodySchema.parse(body)).toEqual({
      id: a?.id,
      appID: 'shop',
      type: 'member_added',
      channelID: 'c',
      clientID: 'x',
      sequence: 1,
      timestamp: 1_700_000_000_000,
      data: { k: 1 },
    });
  });

  it('hands only chain heads to the webhooks service (the rest follow in order)', async () => {
    const first = await emitter.emit('shop', 'channel_occupied', { channelID: 'c' });
    await emitter.emit('shop', 'channel_occupied', { channelID: 'c' });
    const other = await emitter.emit('shop', 'member_added', { channelID: 'd', clientID: 'y' });
    expect(dispatch.delivers).toEqual([
      { appID: 'shop', channelID: 'c', deliveryID: first?.id },
      { appID: 'shop', channelID: 'd', deliveryID: other?.id },
    ]);
  });

  it('rejects when the head cannot be handed on, leaving it in its chain for the sweeper', async () => {
    dispatch.failWith(new Error('redis down'));
    await expect(emitter.emit('shop', 'channel_occupied', { channelID: 'c' })).rejects.toThrow('redis down');
    expect(await outbox.head({ appID: 'shop', channelID: 'c' })).not.toBeNull();
    expect((await outbox.staleChains(Date.now() + 1, 10)).map((s) => s.chain)).toEqual([
      { appID: 'shop', channelID: 'c' },
    ]);
  });

  it('passes settings changes on to the cache', () => {
    emitter.settingsChanged('shop');
    expect(settings.invalidations).toBe(1);
  });
});
