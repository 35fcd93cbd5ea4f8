import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('hands off a full batch at once and a partial one after the delay', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number>({ maxBatch: 3, maxDelayMs: 1 }, async (items) => {
      batches.push(items);
    });
    await Promise.all([1, 2, 3, 4].map((i) => b.add(i)));
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('settles each add with its own batch only', async () => {
    const b = new MicroBatcher<number>({ maxBatch: 2, maxDelayMs: 1 }, async (items) => {
      if (items.includes(3)) throw new Error('store refused');
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => b.add(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });

  it('waits for hand-offs in flight when drained', async () => {
    let release: () => void = () => undefined;
    const handedOff: number[] = [];
    const b = new MicroBatcher<number>({ maxBatch: 10, maxDelayMs: 1_000 }, async (items) => {
      await new Promise<void>((r) => (release = r));
      handedOff.push(...items);
    });
    const added = b.add(7);
    const drained = b.drain();
    await new Promise((r) => setImmediate(r));
    release();
    await drained;
    await added;
    expect(handedOff).toEqual([7]);
  });
});
