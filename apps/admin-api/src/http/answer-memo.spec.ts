import { AnswerMemo } from './answer-memo';

interface Ev {
  n: number;
}
const evs = (...ns: number[]): Ev[] => ns.map((n) => ({ n }));

describe('AnswerMemo', () => {
  const render = jest.fn((events: readonly Ev[]) => JSON.stringify(events.map((e) => e.n)));
  beforeEach(() => render.mockClear());

  it('keeps an answer from its second sight, and answers from it while the events are the same objects', () => {
    const memo = new AnswerMemo<Ev>(1_000);
    const list = evs(3, 2, 1);
    expect(memo.text('a', list, render)).toBe('[3,2,1]');
    expect(memo.text('a', list.slice(), render)).toBe('[3,2,1]');
    expect(render).toHaveBeenCalledTimes(2);
    expect(memo.text('a', list.slice(), render)).toBe('[3,2,1]');
    expect(memo.text('a', list, render)).toBe('[3,2,1]');
    expect(render).toHaveBeenCalledTimes(2);
  });

  it('renders again when any event differs: equal values in other objects, a new event, one less', () => {
    const memo = new AnswerMemo<Ev>(1_000);
    const list = evs(3, 2, 1);
    memo.text('a', list, render);
    memo.text('a', list, render);
    expect(memo.text('a', [list[0], list[1], { n: 1 }], render)).toBe('[3,2,1]');
    expect(render).toHaveBeenCalledTimes(3);
    expect(memo.text('a', [{ n: 4 }, ...list], render)).toBe('[4,3,2,1]');
    expect(memo.text('a', list.slice(0, 2), render)).toBe('[3,2]');
    expect(render).toHaveBeenCalledTimes(5);
  });

  it('never keeps answers made of fresh objects every time (reads from storage)', () => {
    const memo = new AnswerMemo<Ev>(1_000);
    for (let i = 0; i < 5; i++) expect(memo.text('a', evs(2, 1), render)).toBe('[2,1]');
    expect(render).toHaveBeenCalledTimes(5);
  });

  it('keeps keys apart, drops the least recently used beyond its budget, and is off at 0', () => {
    // Each text is 7 characters, costing 14 (text and events): a budget of 56 holds answers of up
    // to 14, 4 of them.
    const memo = new AnswerMemo<Ev>(56);
    const lists = [evs(1, 2, 3), evs(4, 5, 6), evs(7, 8, 9), evs(1, 1, 1), evs(2, 2, 2)];
    lists.forEach((l, i) => memo.text(`k${i}`, l, render));
    lists.forEach((l, i) => memo.text(`k${i}`, l, render));
    render.mockClear();
    expect(memo.text('k0', lists[0], render)).toBe('[1,2,3]');
    expect(render).toHaveBeenCalledTimes(1); // k0, the oldest, made room for k4
    expect(memo.text('k4', lists[4], render)).toBe('[2,2,2]');
    expect(render).toHaveBeenCalledTimes(1);

    const off = new AnswerMemo<Ev>(0);
    const l = evs(1);
    for (let i = 0; i < 3; i++) off.text('a', l, render);
    expect(render).toHaveBeenCalledTimes(4);
  });
});
