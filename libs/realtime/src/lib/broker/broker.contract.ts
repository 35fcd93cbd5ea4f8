import { eventFromText } from '@channels/contracts';
import type { Broker, PublishCommand, PublishOutcome, WindowRead } from './broker.port';
import type { FakeStreamSource } from './fake-stream-source';

export interface BrokerHarness {
  broker: Broker;
  source: FakeStreamSource;
  /** Makes the broker forget every stream (Redis data loss). */
  loseStreams(): Promise<void>;
}

/**
 * The behaviour every `Broker` adapter must have. Run with the in-memory adapter in unit tests and
 * the Redis adapter in integration tests: `describeBrokerContract('redis', makeHarness)`.
 */
export function describeBrokerContract(
  name: string,
  make: (windowSize: number, maxUncommitted: number) => Promise<BrokerHarness>,
): void {
  describe(`Broker contract: ${name}`, () => {
    let h: BrokerHarness;
    let n = 0;
    const app = () => `app-${name}-${process.pid}-${n}`;
    beforeEach(async () => {
      n++;
      h = await make(5, 20);
    });
    const publishN = async (channelID: string, count: number, over: Partial<PublishCommand> = {}) => {
      const out: PublishOutcome[] = [];
      for (let i = 0; i < count; i++)
        out.push(
          await h.broker.publish({
            appID: app(),
            channelID,
            eventType: 't',
            payload: i,
            senderID: 's',
            store: true,
            ...over,
          }),
        );
      return out;
    };
    /** What the writer does after committing offsets 1…upTo. */
    const commitUpTo = async (channelID: string, upTo: number) => {
      const { epoch } = await h.broker.position(app(), channelID);
      return h.broker.markCommitted(app(), channelID, epoch, [[1, upTo]]);
    };
    /** A window read with its events parsed. */
    const readWindow = async (...args: Parameters<Broker['readWindowText']>): Promise<WindowRead> => {
      const text = await h.broker.readWindowText(...args);
      return { ...text, events: text.events.map(eventFromText) };
    };

    it('assigns gap-free increasing offsets to stored events and keeps one epoch', async () => {
      h.source.open(app(), 'c1');
      const offsets: number[] = [];
      const epochs = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const r = await h.broker.publish({
          appID: app(),
          channelID: 'c1',
          eventType: 't',
          payload: { i },
          senderID: 's',
          store: true,
        });
        if (r.status !== 'published') throw new Error(r.status);
        offsets.push(r.event.offset ?? -1);
        epochs.add(r.event.epoch ?? '');
      }
      expect(offsets).toEqual([1, 2, 3, 4]);
      expect(epochs.size).toBe(1);
    });

    it('continues after the highest stored offset when it starts a stream', async () => {
      h.source.open(app(), 'c1');
      h.source.tops.set(`${app()}/c1`, 41);
      const r = await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: true,
      });
      expect(r.status === 'published' && r.event.offset).toBe(42);
    });

    it('stores a publisher id once and answers re-publishes with the first event', async () => {
      h.source.open(app(), 'c1');
      const a = await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 'x',
        senderID: 's',
        id: 'k1',
        store: true,
      });
      const b = await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 'y',
        senderID: 's',
        id: 'k1',
        store: true,
      });
      expect(a.status === 'published' && !a.duplicate).toBe(true);
      expect(b).toMatchObject({
        status: 'published',
        duplicate: true,
        event: { id: 'k1', offset: 1, payload: 'x' },
      });
      expect((await h.broker.position(app(), 'c1')).top).toBe(1);
    });

    it('keeps payloads exactly (strings stay strings)', async () => {
      h.source.open(app(), 'c1');
      const payloads = ['{"a":1}', { nested: [1, 'two', null] }, 0, false, null, 'ünïcode ✓'];
      for (const payload of payloads) {
        await h.broker.publish({
          appID: app(),
          channelID: 'c1',
          eventType: 't',
          payload,
          senderID: 's',
          store: true,
        });
      }
      await commitUpTo('c1', payloads.length);
      const w = await readWindow(app(), 'c1', 0, 100);
      expect(w.events.map((e) => e.payload)).toEqual(payloads.slice(-5));
    });

    it('does not assign offsets to live-only events', async () => {
      h.source.open(app(), 'c1');
      const r = await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: false,
      });
      expect(r.status === 'published' && r.event.offset).toBeUndefined();
      expect((await h.broker.position(app(), 'c1')).top).toBe(0);
    });

    it('refuses closed and unknown channels, and follows gate changes at once', async () => {
      const closed = await h.broker.publish({
        appID: app(),
        channelID: 'nope',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: true,
      });
      expect(closed.status).toBe('not_found');
      h.source.open(app(), 'c1');
      await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: true,
      });
      await h.broker.setGate(app(), 'c1', { exists: true, closed: true });
      expect(
        (
          await h.broker.publish({
            appID: app(),
            channelID: 'c1',
            eventType: 't',
            payload: 1,
            senderID: 's',
            store: true,
          })
        ).status,
      ).toBe('closed');
      await h.broker.setGate(app(), 'c1', { exists: true, closed: false });
      expect(
        (
          await h.broker.publish({
            appID: app(),
            channelID: 'c1',
            eventType: 't',
            payload: 1,
            senderID: 's',
            store: true,
          })
        ).status,
      ).toBe('published');
    });

    it('reads the window after an offset and says when older events were trimmed', async () => {
      h.source.open(app(), 'c1');
      for (let i = 1; i <= 8; i++) {
        await h.broker.publish({
          appID: app(),
          channelID: 'c1',
          eventType: 't',
          payload: i,
          senderID: 's',
          store: true,
        });
      }
      await commitUpTo('c1', 8);
      const recent = await readWindow(app(), 'c1', 5, 100);
      expect(recent).toMatchObject({ top: 8, first: 4, durable: 8, complete: true });
      expect(recent.events.map((e) => e.offset)).toEqual([6, 7, 8]);
      const old = await readWindow(app(), 'c1', 1, 100);
      expect(old.complete).toBe(false);
      expect(old.events.map((e) => e.offset)).toEqual([4, 5, 6, 7, 8]);
      const tail = await readWindow(app(), 'c1', -1, 2);
      expect(tail.events.map((e) => e.offset)).toEqual([7, 8]);
      const limited = await readWindow(app(), 'c1', 3, 2);
      expect(limited.events.map((e) => e.offset)).toEqual([4, 5]);
    });

    it('reads the window as canonical event texts equal to the events, payloads untouched', async () => {
      h.source.open(app(), 'c1');
      const payloads: unknown[] = ['a\nb ,"senderID":"x"', { senderID: 'spoof', n: [1, 2.5] }, null];
      const published = [];
      for (const payload of payloads) {
        const out = await h.broker.publish({
          appID: app(),
          channelID: 'c1',
          eventType: 'chat ,"payload":',
          payload,
          senderID: 'alice',
          id: `key ${published.length}`,
          store: true,
        });
        if (out.status === 'published') published.push(out.event);
      }
      const win = await readWindow(app(), 'c1', -1, 10);
      const text = await h.broker.readWindowText(app(), 'c1', -1, 10);
      expect(text).toMatchObject({ top: win.top, first: win.first, epoch: win.epoch, complete: true });
      expect(text.events.map(eventFromText)).toEqual(win.events);
      expect(win.events).toEqual(published);
      expect(text.events.map((e) => [e.offset, e.timestamp])).toEqual(
        published.map((e) => [e.offset, e.timestamp]),
      );
      const after = await h.broker.readWindowText(app(), 'c1', 1, 1);
      expect(after.events.map((e) => e.offset)).toEqual([2]);
    });

    it('never stores a timestamp below the previous stored one, whatever the publisher clock says', async () => {
      h.source.open(app(), 'c1');
      const clock = jest.spyOn(Date, 'now');
      const publishAt = async (now: number, store: boolean) => {
        clock.mockReturnValue(now);
        const out = await h.broker.publish({
          appID: app(),
          channelID: 'c1',
          eventType: 't',
          payload: now,
          senderID: 's',
          store,
        });
        if (out.status !== 'published') throw new Error(out.status);
        return out.event.timestamp;
      };
      try {
        const t0 = 2_000_000_000_000;
        expect(await publishAt(t0, true)).toBe(t0);
        // A publisher whose clock is a second behind: its stored event keeps the channel's time.
        expect(await publishAt(t0 - 1_000, true)).toBe(t0);
        // Live-only events are not ordered by offset: they carry the publisher's own clock.
        expect(await publishAt(t0 - 2_000, false)).toBe(t0 - 2_000);
        expect(await publishAt(t0 + 5, true)).toBe(t0 + 5);
      } finally {
        clock.mockRestore();
      }
      const win = await readWindow(app(), 'c1', -1, 10);
      expect(win.events.map((e) => [e.payload, e.timestamp])).toEqual([
        [2_000_000_000_000, 2_000_000_000_000],
        [1_999_999_999_000, 2_000_000_000_000],
        [2_000_000_000_005, 2_000_000_000_005],
      ]);
      const text = await h.broker.readWindowText(app(), 'c1', -1, 10);
      expect(text.events.map((e) => e.timestamp)).toEqual([
        2_000_000_000_000, 2_000_000_000_000, 2_000_000_000_005,
      ]);
    });

    it('remembers the epoch of a stream dropped with its channel, not the next stream of the id', async () => {
      h.source.open(app(), 'gone');
      const [before] = await publishN('gone', 1);
      if (before.status !== 'published') throw new Error(before.status);
      const old = { appID: app(), channelID: 'gone', epoch: before.event.epoch ?? '' };
      expect(await h.broker.droppedStreams([old])).toEqual([false]);
      await h.broker.dropStream(app(), 'gone');
      // Re-created under the same id: a new stream, which is not dropped.
      const [after] = await publishN('gone', 1);
      if (after.status !== 'published') throw new Error(after.status);
      expect(after.event.epoch).not.toBe(old.epoch);
      const fresh = { ...old, epoch: after.event.epoch ?? '' };
      const other = { ...old, channelID: 'other' };
      expect(await h.broker.droppedStreams([old, fresh, other])).toEqual([true, false, false]);
      expect(await h.broker.droppedStreams([])).toEqual([]);
    });

    it('changes the epoch and never reuses an offset after losing its streams', async () => {
      h.source.open(app(), 'c1');
      const first = await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: true,
      });
      if (first.status !== 'published') throw new Error(first.status);
      h.source.tops.set(`${app()}/c1`, 1); // the writer stored offset 1
      await h.loseStreams();
      const again = await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 2,
        senderID: 's',
        store: true,
      });
      if (again.status !== 'published') throw new Error(again.status);
      // Up to maxUncommitted (20) acked events above the stored top may have been seen by
      // subscribers: the new epoch starts above all of them.
      expect(again.event.offset).toBe(1 + 20 + 1);
      expect(again.event.epoch).not.toBe(first.event.epoch);
      expect(await h.broker.position(app(), 'c1')).toMatchObject({ top: 22, durable: 21 });
    });

    it('keeps events the writer has not committed in the window beyond its size, and lets go of them once committed', async () => {
      h.source.open(app(), 'c1');
      await publishN('c1', 8);
      const all = await readWindow(app(), 'c1', 0, 100);
      expect(all).toMatchObject({ top: 8, first: 1, durable: 0, complete: true });
      expect(all.events.map((e) => e.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await commitUpTo('c1', 2)).toEqual({ durable: 2, top: 8, previous: 0 });
      // Trimmed below min(durable + 1, top - size + 1) = 3: offset 3 is not committed yet.
      expect(await readWindow(app(), 'c1', 0, 100)).toMatchObject({ first: 3, durable: 2, complete: false });
      expect(await commitUpTo('c1', 8)).toEqual({ durable: 8, top: 8, previous: 2 });
      const after = await readWindow(app(), 'c1', -1, 100);
      expect(after).toMatchObject({ first: 4, durable: 8 });
      expect(after.events.map((e) => e.offset)).toEqual([4, 5, 6, 7, 8]);
    });

    it('advances the watermark over out-of-order commits only once the offsets below them are in', async () => {
      h.source.open(app(), 'c1');
      await publishN('c1', 9);
      const { epoch } = await h.broker.position(app(), 'c1');
      const mark = (ranges: [number, number][]) => h.broker.markCommitted(app(), 'c1', epoch, ranges);
      expect(await mark([[5, 6]])).toMatchObject({ durable: 0 });
      expect(await mark([[8, 9]])).toMatchObject({ durable: 0 });
      expect(await mark([[1, 3]])).toMatchObject({ durable: 3 });
      expect((await readWindow(app(), 'c1', 0, 100)).first).toBe(4);
      expect(await mark([[4, 4]])).toMatchObject({ durable: 6, previous: 3 });
      expect(await mark([[7, 7]])).toMatchObject({ durable: 9 });
      // Re-sent copies and offsets of another epoch change nothing.
      expect(await mark([[1, 9]])).toMatchObject({ durable: 9, previous: 9 });
      expect(await h.broker.markCommitted(app(), 'c1', 'another-epoch', [[1, 9]])).toBeNull();
      expect(await h.broker.markCommitted(app(), 'unknown', epoch, [[1, 1]])).toBeNull();
      expect(await h.broker.position(app(), 'c1')).toEqual({ top: 9, epoch, durable: 9 });
    });

    it('refuses a stored publish once the channel holds the bound of uncommitted events, but never a known id nor a live event', async () => {
      h.source.open(app(), 'c1');
      const first = await publishN('c1', 1, { id: 'k1' });
      await publishN('c1', 19);
      const refused = await publishN('c1', 1);
      expect(refused).toEqual([{ status: 'behind', uncommitted: 20 }]);
      expect((await h.broker.position(app(), 'c1')).top).toBe(20);
      // The publisher's retry of an event it was acked for still gets that event.
      expect(await publishN('c1', 1, { id: 'k1' })).toEqual([
        { status: 'published', duplicate: true, event: (first[0] as { event: unknown }).event },
      ]);
      expect((await publishN('c1', 1, { store: false }))[0].status).toBe('published');
      // Every acked event is still readable.
      expect((await readWindow(app(), 'c1', 0, 100)).events).toHaveLength(20);
      await commitUpTo('c1', 5);
      const again = await publishN('c1', 1);
      expect(again[0]).toMatchObject({ status: 'published', event: { offset: 21 } });
    });

    it('lists a channel with a stored publish in the outbox index, with its uncommitted events readable', async () => {
      h.source.open(app(), 'c1');
      h.source.open(app(), 'c2');
      await publishN('c1', 3);
      await publishN('c2', 1, { store: false });
      const mine = async () =>
        (await h.broker.staleOutbox(Number.MAX_SAFE_INTEGER, 100_000)).filter((e) => e.appID === app());
      const listed = await mine();
      expect(listed).toEqual([{ appID: app(), channelID: 'c1', since: expect.any(Number) }]);
      const pending = await h.broker.readUncommittedText(app(), 'c1', 100);
      expect(pending).toMatchObject({ top: 3, durable: 0, complete: true });
      expect(pending?.events.map((e) => e.offset)).toEqual([1, 2, 3]);
      await commitUpTo('c1', 2);
      expect((await h.broker.readUncommittedText(app(), 'c1', 100))?.events.map((e) => e.offset)).toEqual([
        3,
      ]);
      expect(await h.broker.readUncommittedText(app(), 'nothing', 100)).toBeNull();
      // Removed only while unchanged: a touch in between keeps the entry.
      await h.broker.touchOutbox(app(), 'c1', listed[0].since + 1);
      expect(await h.broker.clearOutbox(listed[0])).toBe(false);
      expect(await h.broker.clearOutbox({ ...listed[0], since: listed[0].since + 1 })).toBe(true);
      expect(await mine()).toEqual([]);
    });

    it('keeps channels and apps apart', async () => {
      h.source.open(app(), 'c1');
      h.source.open(`${app()}-other`, 'c1');
      await h.broker.publish({
        appID: app(),
        channelID: 'c1',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: true,
      });
      const other = await h.broker.publish({
        appID: `${app()}-other`,
        channelID: 'c1',
        eventType: 't',
        payload: 1,
        senderID: 's',
        store: true,
      });
      expect(other.status === 'published' && other.event.offset).toBe(1);
    });
  });
}
