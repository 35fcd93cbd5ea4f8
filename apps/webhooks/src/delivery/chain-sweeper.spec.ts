import { InMemoryWebhookDispatch, InMemoryWebhookOutbox } from '@channels/realtime';
import { ChainSweeper } from './chain-sweeper';

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('ChainSweeper', () => {
  it('hands on again a stale head that has no job, leaves heads with a job alone, forgets empty chains', async () => {
    const outbox = new InMemoryWebhookOutbox();
    const dispatch = new InMemoryWebhookDispatch();
    let now = 1_000;
    outbox.now = () => now;
    const jobs = new Set<string>([uuid(2)]);
    const sweeper = new ChainSweeper({ outbox, dispatch, hasJob: async (id) => jobs.has(id) });
    const push = (id: number, channelID: string) =>
      outbox.push({ id: uuid(id), appID: 'shop', type: 'channel_occupied', channelID, timestamp: 1 });

    await push(1, 'orphan'); // its producer died before handing it on
    await push(2, 'busy'); // its job exists (e.g. waiting in backoff)
    await push(3, 'done');
    await outbox.complete({ appID: 'shop', channelID: 'done' }, uuid(3));

    now = 1_500;
    expect(await sweeper.sweep(now, 1_000, 100)).toBe(0); // nothing stale yet
    now = 5_000;
    expect(await sweeper.sweep(now, 1_000, 100)).toBe(1);
    expect(dispatch.delivers).toEqual([{ appID: 'shop', channelID: 'orphan', deliveryID: uuid(1) }]);
    // The empty chain is forgotten; the others are kept and marked looked at.
    expect((await outbox.staleChains(now, 100)).map((c) => c.chain.channelID).sort()).toEqual([
      'busy',
      'orphan',
    ]);
    expect(await sweeper.sweep(now + 1, 1_000, 100)).toBe(0); // looked at just now
  });
});
