import { FakeStreamSource, InMemoryBroker, type WindowTextRead } from '@channels/realtime';
import { windowView as view } from './window-read.testing';
import { STORED_TAIL_TTL_MS, WindowMirror } from './window-mirror';
import { type EventText, parseEventText } from '@channels/contracts';

const WINDOW = 20;

function setup(maxBytes = 1_048_576) {
  const source = new FakeStreamSource();
  for (const id of ['a', 'b', 'c']) source.open('app', id);
  const broker = new InMemoryBroker(source, { windowSize: WINDOW, idempotencyTtlSeconds: 300 });
  const calls: { after: number; limit: number }[] = [];
  const read = broker.readWindowText.bind(broker);
  broker.readWindowText = async (appID, channelID, after, limit) => {
    calls.push({ after, limit });
    return read(appID, channelID, after, limit);
  };
  const mirror = new WindowMirror(broker, maxBytes);
  let n = 0;
  const publish = async (channelID: string, count: number) => {
    for (let i = 0; i < count; i++) {
      const out = await broker.publish({
        appID: 'app',
        channelID,
        eventType: 't',
        payload: { n: ++n, text: 'x'.repeat(50) },
        senderID: 's',
        store: true,
      });
      // A writer keeping up: the window trims down to its size.
      if (out.status === 'published' && out.event.offset !== undefined && out.event.epoch !== undefined)
        await broker.markCommitted('app', channelID, out.event.epoch, [[out.event.offset, out.event.offset]]);
    }
  };
  return { broker, mirror, publish, calls, direct: read };
}

/** Every bound a history read uses: tails, forward reads from inside, before and after the window. */
function bounds(top: number): [number, number][] {
  const out: [number, number][] = [];
  for (const limit of [1, 3, WINDOW, 1_000_000])
    for (const after of [-1, 0, top - WINDOW - 5, top - WINDOW, top - 7, top - 1, top, top + 3])
      out.push([after, limit]);
  return out;
}

describe('WindowMirror', () => {
  it('answers every read exactly as the window does, while events are published and trimmed', async () => {
    const { mirror, publish, direct } = setup();
    for (const burst of [0, 1, 4, 19, 20, 21, 3, 45, 1]) {
      await publish('a', burst);
      const { top } = await direct('app', 'a', -1, 1);
      for (const [after, limit] of bounds(top)) {
        expect(view(await mirror.readWindowText('app', 'a', after, limit))).toEqual(
          view(await direct('app', 'a', after, limit)),
        );
      }
    }
  });

  it('after the first read, moves only what the window gained', async () => {
    const { mirror, publish, calls } = setup();
    await publish('a', 10);
    await mirror.readWindowText('app', 'a', -1, 5);
    expect(calls).toEqual([{ after: -1, limit: 1_000_000 }]);
    await publish('a', 3);
    const r = await mirror.readWindowText('app', 'a', -1, 5);
    expect(calls[1]).toEqual({ after: 10, limit: 1_000_000 });
    expect(calls).toHaveLength(2);
    expect(r.events.map((e) => e.offset)).toEqual([9, 10, 11, 12, 13]);
  });

  it('reloads the whole window when the stream has a new epoch (Redis lost it, the channel was remade)', async () => {
    const { broker, mirror, publish, direct } = setup();
    await publish('a', 12);
    const before = await mirror.readWindowText('app', 'a', -1, 100);
    broker.loseStreams();
    await publish('a', 4);
    const after = await mirror.readWindowText('app', 'a', -1, 100);
    expect(after.epoch).not.toBe(before.epoch);
    expect(view(after)).toEqual(view(await direct('app', 'a', -1, 100)));
    await broker.dropStream('app', 'a');
    expect(view(await mirror.readWindowText('app', 'a', 0, 100))).toEqual(
      view(await direct('app', 'a', 0, 100)),
    );
  });

  it('reloads when the window moved past the mirror between two reads', async () => {
    const { mirror, publish, direct, calls } = setup();
    await publish('a', 5);
    await mirror.readWindowText('app', 'a', -1, 100);
    await publish('a', WINDOW + 7); // offsets 6…11 were trimmed unseen
    const r = await mirror.readWindowText('app', 'a', -1, 100);
    expect(view(r)).toEqual(view(await direct('app', 'a', -1, 100)));
    expect(calls.slice(-2)).toEqual([
      { after: 5, limit: 1_000_000 },
      { after: -1, limit: 1_000_000 },
    ]);
  });

  it('stays right under concurrent reads and publishes', async () => {
    const { mirror, publish, direct } = setup();
    await publish('a', 3);
    for (let round = 0; round < 20; round++) {
      const reads = [
        mirror.readWindowText('app', 'a', -1, 1_000_000),
        publish('a', round % 7),
        mirror.readWindowText('app', 'a', -1, 1_000_000),
        mirror.readWindowText('app', 'a', 2, 4),
      ];
      const [r1, , r2] = (await Promise.all(reads)) as WindowTextRead[];
      for (const r of [r1, r2]) {
        // Each answer is a consistent window: contiguous offsets from first to top.
        expect(r.events.map((e) => e.offset)).toEqual(
          Array.from({ length: r.top - r.first + 1 }, (_, i) => r.first + i),
        );
      }
      expect(view(await mirror.readWindowText('app', 'a', -1, 1_000_000))).toEqual(
        view(await direct('app', 'a', -1, 1_000_000)),
      );
    }
  });

  it('keeps within its memory budget, dropping the least recently read channels first', async () => {
    // One full window of these events costs ≈ 20 × (2 × ~200 + 96) ≈ 10 KB: two fit, three do not.
    const { mirror, publish, calls } = setup(25_000);
    await publish('a', WINDOW);
    await publish('b', WINDOW);
    await publish('c', WINDOW);
    await mirror.readWindowText('app', 'a', -1, 1);
    await mirror.readWindowText('app', 'b', -1, 1);
    expect(mirror.size).toBe(2);
    await mirror.readWindowText('app', 'a', -1, 1); // a is now the most recently read
    await mirror.readWindowText('app', 'c', -1, 1); // over budget: b goes
    expect(mirror.size).toBe(2);
    calls.length = 0;
    await mirror.readWindowText('app', 'a', -1, 1);
    await mirror.readWindowText('app', 'b', -1, 1);
    expect(calls.map((c) => c.after)).toEqual([WINDOW, -1]); // a was kept, b reloaded
  });

  it('with a budget of 0, passes every read through unchanged', async () => {
    const { mirror, publish, calls } = setup(0);
    await publish('a', 8);
    await mirror.readWindowText('app', 'a', 3, 2);
    expect(calls).toEqual([{ after: 3, limit: 2 }]);
    expect(mirror.size).toBe(0);
  });

  describe('stored tail (the newest events below the window, from Postgres)', () => {
    /** A stored channel of `count` events below the window: offsets 1…count, newest first. */
    function storedSetup(maxBytes = 1_048_576) {
      let clock = 1_000;
      const base = setup(maxBytes);
      const mirror = new WindowMirror(base.broker, maxBytes, () => clock);
      const loads: { below: number; limit: number }[] = [];
      const stored = (below: number) => (limit: number) => {
        loads.push({ below, limit });
        const out: EventText[] = [];
        for (let o = below - 1; o >= 1 && out.length < limit; o--)
          out.push(
            parseEventText(
              `{"id":"s${o}","channelID":"a","offset":${o},"epoch":"e","eventType":"t","payload":{"x":"${'y'.repeat(40)}"},"senderID":"s","timestamp":${o}}`,
            ),
          );
        return Promise.resolve(out);
      };
      const win = (first: number, epoch = 'e1') => ({
        top: first - 1,
        first,
        durable: first - 1,
        epoch,
        events: [],
        complete: true,
      });
      return { mirror, loads, stored, win, publish: base.publish, tick: (ms: number) => (clock += ms) };
    }
    const offsets = (events: EventText[]) => events.map((e) => e.offset);

    it('reads Postgres once and answers the same or a shorter tail from memory', async () => {
      const { mirror, loads, stored, win } = storedSetup();
      expect(offsets(await mirror.storedTail('app', 'a', win(101), 5, stored(101)))).toEqual([
        100, 99, 98, 97, 96,
      ]);
      expect(offsets(await mirror.storedTail('app', 'a', win(101), 3, stored(101)))).toEqual([100, 99, 98]);
      expect(offsets(await mirror.storedTail('app', 'a', win(101), 5, stored(101)))).toEqual([
        100, 99, 98, 97, 96,
      ]);
      expect(loads).toEqual([{ below: 101, limit: 5 }]);
    });

    it('reads again for a longer tail, unless the stored events ran out', async () => {
      const { mirror, loads, stored, win } = storedSetup();
      await mirror.storedTail('app', 'a', win(101), 5, stored(101));
      expect(await mirror.storedTail('app', 'a', win(101), 8, stored(101))).toHaveLength(8);
      await mirror.storedTail('app', 'a', win(4), 10, stored(4)); // only 3 stored below 4
      expect(offsets(await mirror.storedTail('app', 'a', win(4), 50, stored(4)))).toEqual([3, 2, 1]);
      expect(loads).toEqual([
        { below: 101, limit: 5 },
        { below: 101, limit: 8 },
        { below: 4, limit: 10 },
      ]);
    });

    it('reads again when the window moved, the epoch changed or the time ran out', async () => {
      const { mirror, loads, stored, win, tick } = storedSetup();
      await mirror.storedTail('app', 'a', win(101), 5, stored(101));
      expect(offsets(await mirror.storedTail('app', 'a', win(103), 5, stored(103)))).toEqual([
        102, 101, 100, 99, 98,
      ]);
      await mirror.storedTail('app', 'a', win(103, 'e2'), 5, stored(103));
      tick(STORED_TAIL_TTL_MS - 1);
      await mirror.storedTail('app', 'a', win(103, 'e2'), 5, stored(103));
      tick(1);
      await mirror.storedTail('app', 'a', win(103, 'e2'), 5, stored(103));
      expect(loads.map((l) => l.below)).toEqual([101, 103, 103, 103]);
    });

    it('keeps channels apart, within the budget, and is off with a budget of 0', async () => {
      const { mirror, loads, stored, win } = storedSetup(4_000); // one tail of 10 such events fits
      await mirror.storedTail('app', 'a', win(101), 10, stored(101));
      await mirror.storedTail('app', 'b', win(51), 10, stored(51));
      await mirror.storedTail('app', 'c', win(31), 10, stored(31)); // a and b went
      await mirror.storedTail('app', 'c', win(31), 10, stored(31));
      await mirror.storedTail('app', 'a', win(101), 10, stored(101));
      expect(loads.map((l) => l.below)).toEqual([101, 51, 31, 101]);
      const off = storedSetup(0);
      await off.mirror.storedTail('app', 'a', off.win(101), 5, off.stored(101));
      await off.mirror.storedTail('app', 'a', off.win(101), 5, off.stored(101));
      expect(off.loads).toHaveLength(2);
    });

    it('drops windows too when a stored tail pushes the total over the budget', async () => {
      // Two full windows (≈ 10 KB each) fit in 25 KB; a tail of 20 events (≈ 8 KB) on top does not.
      const { mirror, stored, win, publish } = storedSetup(25_000);
      await publish('a', WINDOW);
      await publish('b', WINDOW);
      await mirror.readWindowText('app', 'a', -1, 1);
      await mirror.readWindowText('app', 'b', -1, 1);
      expect(mirror.size).toBe(2);
      await mirror.storedTail('app', 'c', win(101), 20, stored(101));
      expect(mirror.size).toBe(1);
    });

    it('never hands out its own array', async () => {
      const { mirror, stored, win } = storedSetup();
      (await mirror.storedTail('app', 'a', win(101), 5, stored(101))).length = 0;
      const again = await mirror.storedTail('app', 'a', win(101), 5, stored(101));
      again.pop();
      expect(await mirror.storedTail('app', 'a', win(101), 5, stored(101))).toHaveLength(5);
    });
  });
});
