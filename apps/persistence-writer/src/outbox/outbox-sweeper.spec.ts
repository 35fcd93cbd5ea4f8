import type { StoredEvent } from '@channels/contracts';
import { FakeStreamSource, InMemoryBroker } from '@channels/realtime';
import { CommitMarker, type DurableAdvance, ranges } from './commit-marker';
import { OutboxSweeper } from './outbox-sweeper';

function setup() {
  const source = new FakeStreamSource();
  source.open('app', 'a');
  source.open('app', 'b');
  const broker = new InMemoryBroker(source, { windowSize: 3, idempotencyTtlSeconds: 300 });
  let now = 1_000_000;
  const resent: StoredEvent[][] = [];
  let oldestWaiting: number | null = null;
  const sweeper = new OutboxSweeper(
    broker,
    { staleMs: 5_000, channelsPerPass: 10, eventsPerChannel: 100 },
    {
      resend: async (events) => void resent.push(events),
      oldestWaitingSince: async () => oldestWaiting,
    },
    () => now,
  );
  const announced: DurableAdvance[][] = [];
  const marker = new CommitMarker(broker, async (a) => void announced.push(a));
  const publish = async (channelID: string, count: number) => {
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      for (let i = 0; i < count; i++)
        await broker.publish({
          appID: 'app',
          channelID,
          eventType: 't',
          payload: i,
          senderID: 's',
          store: true,
        });
    } finally {
      clock.mockRestore();
    }
  };
  return {
    broker,
    sweeper,
    marker,
    resent,
    announced,
    publish,
    tick: (ms: number) => (now += ms),
    queueHolds: (since: number | null) => (oldestWaiting = since),
  };
}

describe('OutboxSweeper', () => {
  it('re-sends the uncommitted events of a channel without progress, and leaves fresh ones alone', async () => {
    const { sweeper, resent, publish, tick } = setup();
    await publish('a', 5); // handed off by nobody: the publisher died
    expect(await sweeper.pass()).toMatchObject({ resent: 0 });
    tick(6_000);
    await publish('b', 1); // fresh: not looked at yet
    const r = await sweeper.pass();
    expect(r.resent).toBe(5);
    expect(resent).toHaveLength(1);
    expect(resent[0].map((e) => [e.channelID, e.offset])).toEqual([1, 2, 3, 4, 5].map((o) => ['a', o]));
    expect(resent[0][0]).toMatchObject({ appID: 'app', payload: 0, senderID: 's', eventType: 't' });
    // Its age restarted: not re-sent again on the next pass.
    expect((await sweeper.pass()).resent).toBe(0);
  });

  it('does not sweep while the queue still holds jobs older than the entry', async () => {
    const { sweeper, publish, tick, queueHolds } = setup();
    await publish('a', 2);
    queueHolds(999_000);
    tick(60_000);
    expect((await sweeper.pass()).resent).toBe(0);
    queueHolds(null);
    expect((await sweeper.pass()).resent).toBe(2);
  });

  it('removes channels whose events are all committed, and sees a channel published again after that', async () => {
    const { broker, sweeper, marker, announced, publish, tick } = setup();
    await publish('a', 4);
    const { epoch } = await broker.position('app', 'a');
    const event = (offset: number): StoredEvent => ({
      appID: 'app',
      channelID: 'a',
      offset,
      epoch,
      id: `e${offset}`,
      eventType: 't',
      payload: null,
      senderID: 's',
      timestamp: 0,
    });
    await marker.mark([event(3), event(4)]);
    expect(announced).toEqual([]); // out of order: 1 and 2 are not in yet
    await marker.mark([event(1), event(2)]);
    expect(announced).toEqual([[['app', 'a', epoch, 4]]]);
    tick(6_000);
    expect(await sweeper.pass()).toMatchObject({ resent: 0, cleared: 1, oldestSince: null });
    await publish('a', 1);
    tick(6_000);
    // The pass after a removal checks the channel again and lists it (a publish may have raced the
    // removal); it is swept once stale.
    await sweeper.pass();
    tick(6_000);
    expect((await sweeper.pass()).resent).toBe(1);
  });
});

describe('ranges', () => {
  it('folds offsets into inclusive ranges, in any order, copies included', () => {
    expect(ranges([9, 3, 4, 5, 4, 11, 10])).toEqual([
      [3, 5],
      [9, 11],
    ]);
    expect(ranges([])).toEqual([]);
  });
});
