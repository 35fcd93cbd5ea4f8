import {
  checkExpectations,
  type ChaosReport,
  epochChangeAfterLoss,
  lastAckedPositions,
  type PhaseRow,
  sumDeliveryCounts,
} from './chaos-run';
import {
  type AckedEvent,
  type DeliveryCounts,
  emptyDeliveryCounts,
  growthVerdict,
  linearFit,
  reconcile,
  SubscriberTrack,
} from './ledger';

function tracked(phase = 'p1') {
  const counts = new Map<string, DeliveryCounts>();
  const get = (p: string) => {
    let c = counts.get(p);
    if (!c) counts.set(p, (c = emptyDeliveryCounts()));
    return c;
  };
  let current = phase;
  const track = new SubscriberTrack('sub', () => current, get);
  return { track, c: () => get(current), setPhase: (p: string) => (current = p) };
}

describe('SubscriberTrack', () => {
  it('counts contiguous live events as delivered, without anomalies', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 10, epoch: 'e1' });
    for (let o = 11; o <= 20; o++) track.onEvent('a', o, 'e1');
    expect(c()).toMatchObject({ delivered: 10, gaps: 0, duplicates: 0, outOfOrder: 0 });
    expect(track.position('a')).toEqual({ offset: 20, epoch: 'e1' });
  });

  it('flags an offset jump within an epoch as a gap, with the events skipped', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 0, epoch: 'e1' });
    track.onEvent('a', 1, 'e1');
    track.onEvent('a', 4, 'e1');
    expect(c()).toMatchObject({ gaps: 1, gapEvents: 2 });
    expect(track.anomalies[0]).toMatchObject({ kind: 'gap', channelID: 'a', phase: 'p1' });
  });

  it('tells a duplicate from an out-of-order delivery', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 5, epoch: 'e1' });
    track.onEvent('a', 6, 'e1');
    track.onEvent('a', 8, 'e1'); // gap: 7 skipped
    track.onEvent('a', 7, 'e1'); // arrives late: out of order
    track.onEvent('a', 8, 'e1'); // again: duplicate
    track.onEvent('a', 5, 'e1'); // covered by the subscribe answer: duplicate
    expect(c()).toMatchObject({ gaps: 1, outOfOrder: 1, duplicates: 2 });
  });

  it('accepts a recovery that fills the gap exactly, and counts it', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 3, epoch: 'e1' });
    track.onEvent('a', 4, 'e1');
    const asked = track.recoverRequest()['a'];
    expect(asked).toEqual({ offset: 4, epoch: 'e1' });
    track.onSubscribed('a', asked, {
      ok: true,
      offset: 6,
      epoch: 'e1',
      recovered: true,
      events: [{ offset: 5 }, { offset: 6 }],
    });
    track.onEvent('a', 7, 'e1');
    expect(c()).toMatchObject({ recoveredTrue: 1, gaps: 0, duplicates: 0, delivered: 4 });
  });

  it('flags a recovery that claims recovered: true but skips offsets', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 3, epoch: 'e1' });
    track.onSubscribed(
      'a',
      { offset: 3, epoch: 'e1' },
      { ok: true, offset: 6, epoch: 'e1', recovered: true, events: [{ offset: 6 }] },
    );
    expect(c()).toMatchObject({ gaps: 1, gapEvents: 2 });
  });

  it('flags recovered: true across epochs, which cannot be gapless', () => {
    const { track, c } = tracked();
    track.onSubscribed(
      'a',
      { offset: 3, epoch: 'e1' },
      { ok: true, offset: 9, epoch: 'e2', recovered: true, events: [] },
    );
    expect(c().gaps).toBe(1);
    expect(track.anomalies[0].kind).toBe('recovered_other_epoch');
  });

  it('takes recovered: false as an announced break: new position, no gap', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 3, epoch: 'e1' });
    track.onSubscribed(
      'a',
      { offset: 3, epoch: 'e1' },
      { ok: true, offset: 2, epoch: 'e2', recovered: false },
    );
    track.onEvent('a', 3, 'e2');
    expect(c()).toMatchObject({ recoveredFalse: 1, gaps: 0, duplicates: 0 });
    expect(track.position('a')).toEqual({ offset: 3, epoch: 'e2' });
  });

  it('takes a new epoch on a live event as an announced break, not a gap', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 3, epoch: 'e1' });
    track.onEvent('a', 1, 'e2');
    track.onEvent('a', 2, 'e2');
    expect(c()).toMatchObject({ liveEpochChanges: 1, gaps: 0, duplicates: 0 });
  });

  it('counts per phase', () => {
    const { track, setPhase } = tracked('before');
    track.onSubscribed('a', undefined, { ok: true, offset: 0, epoch: 'e1' });
    track.onEvent('a', 1, 'e1');
    setPhase('after');
    track.onEvent('a', 3, 'e1');
    expect(track.anomalies[0].phase).toBe('after');
  });

  it('finds events missing at the tail and a subscriber left in an old epoch', () => {
    const { track, c } = tracked();
    track.onSubscribed('a', undefined, { ok: true, offset: 5, epoch: 'e1' });
    track.onSubscribed('b', undefined, { ok: true, offset: 5, epoch: 'e1' });
    expect(track.checkTail('a', { offset: 8, epoch: 'e1' })).toBe(3);
    expect(track.checkTail('b', { offset: 1, epoch: 'e2' })).toBe(1);
    expect(track.checkTail('a', undefined)).toBe(0);
    expect(c().gaps).toBe(2);
  });
});

const ack = (id: string, over: Partial<AckedEvent> = {}): AckedEvent => ({
  id,
  channelID: 'a',
  mode: 'queued',
  phase: 'p1',
  offset: Number(id.replace(/\D/g, '')),
  epoch: 'e1',
  ackedAt: 1_000,
  attempts: 1,
  ...over,
});

describe('reconcile', () => {
  it('finds acked events missing from the rows, per phase and mode, aged against the fault', () => {
    const acked = [
      ack('x1'),
      ack('x2', { ackedAt: 8_000 }),
      ack('x3', { ackedAt: 12_000 }),
      ack('x4', { mode: 'committed', attempts: 2 }),
    ];
    const rows = [{ channelID: 'a', id: 'x1', offset: 1, epoch: 'e1', key: 'x1' }];
    const r = reconcile(acked, rows, new Map([['p1', 10_000]]));
    expect(r.byPhase.get('p1')?.get('queued')).toMatchObject({
      acked: 3,
      missing: 2,
      missingMaxAgeMs: 2_000,
      missingAfterFault: 1,
    });
    expect(r.byPhase.get('p1')?.get('committed')).toMatchObject({ acked: 1, missing: 1, retried: 1 });
  });

  it('counts duplicate rows by publisher id and by payload key, and rows stored elsewhere than acked', () => {
    const rows = [
      { channelID: 'a', id: 'x1', offset: 1, epoch: 'e1', key: 'x1' },
      { channelID: 'a', id: 'x1', offset: 2, epoch: 'e1', key: 'x1' },
      { channelID: 'a', id: 'other', offset: 3, epoch: 'e1', key: 'x1' },
      { channelID: 'a', id: 'x9', offset: 4, epoch: 'e2', key: 'x9' },
    ];
    const r = reconcile([ack('x1'), ack('x9', { offset: 9 })], rows, new Map());
    expect(r.duplicateIds).toBe(1);
    expect(r.duplicateKeys).toBe(2);
    expect(r.unackedRows).toBe(1);
    expect(r.byPhase.get('p1')?.get('queued')).toMatchObject({
      acked: 2,
      missing: 0,
      moved: 1,
      duplicateRows: 2,
    });
  });
});

describe('lastAckedPositions', () => {
  it('takes the highest offset of the newest epoch', () => {
    const last = lastAckedPositions([
      { channelID: 'a', epoch: 'e1', offset: 90, ackedAt: 1 },
      { channelID: 'a', epoch: 'e1', offset: 95, ackedAt: 2 },
      { channelID: 'a', epoch: 'e2', offset: 91, ackedAt: 3 },
      { channelID: 'a', epoch: 'e2', offset: 93, ackedAt: 4 },
      { channelID: 'a', epoch: 'e1', offset: 96, ackedAt: 5 }, // a late ack of the old epoch
    ]);
    expect(last.get('a')).toEqual({ offset: 93, epoch: 'e2' });
  });
});

describe('sumDeliveryCounts', () => {
  it('adds counters up and keeps the longest reconnect', () => {
    const a = { ...emptyDeliveryCounts(), gaps: 1, reconnects: 2, maxReconnectMs: 300 };
    const b = { ...emptyDeliveryCounts(), gaps: 2, reconnects: 1, maxReconnectMs: 900 };
    expect(sumDeliveryCounts([a, undefined, b])).toMatchObject({
      gaps: 3,
      reconnects: 3,
      maxReconnectMs: 900,
    });
  });
});

describe('epochChangeAfterLoss', () => {
  it('counts the channels whose epoch changed across the loss', () => {
    const at = 100_000;
    const e = (channelID: string, epoch: string, ackedAt: number) => ({ channelID, epoch, ackedAt });
    expect(
      epochChangeAfterLoss(
        [
          e('a', 'e1', at - 1),
          e('a', 'e2', at + 1),
          e('b', 'e1', at - 1),
          e('b', 'e1', at + 1),
          e('c', 'e1', at + 1),
        ],
        at,
      ),
    ).toEqual({ channels: 2, changed: 1 });
  });
});

describe('checkExpectations', () => {
  const row = (over: Partial<PhaseRow>): PhaseRow => ({
    phase: 'baseline',
    title: '',
    dataLoss: false,
    mode: 'queued',
    acked: 100,
    missing: 0,
    moved: 0,
    retried: 0,
    missingMaxAgeMs: 0,
    missingAfterFault: 0,
    duplicateRows: 0,
    delivery: emptyDeliveryCounts(),
    presenceOnline: '6/6',
    ...over,
  });
  const report = (rows: PhaseRow[], over: Partial<ChaosReport> = {}): ChaosReport => ({
    kind: 'chaos',
    options: { runTag: 't', phaseSeconds: 1, preSeconds: 1, rate: 1, channels: 4, lossWindowMs: 5_000 },
    commitAck: { available: true, reason: '' },
    startedAt: '',
    seconds: 0,
    phases: [],
    rows,
    duplicateRowsById: 0,
    duplicateRowsByKey: 0,
    unackedRows: 0,
    abandoned: 0,
    publishErrors: {},
    epochChanged: [{ phase: 'redis-loss', channels: 4, changed: 4 }],
    subscribers: [],
    crashes: [],
    anomalies: [],
    missingExamples: [],
    violations: [],
    ...over,
  });
  const opts = report([]).options;

  it('passes a clean run', () => {
    expect(checkExpectations(report([row({})]), opts)).toEqual([]);
  });

  it('names every violation: loss outside Redis loss, gaps, duplicates, presence, kept epochs', () => {
    const v = checkExpectations(
      report(
        [
          row({ phase: 'writer-kill', missing: 3 }),
          row({
            delivery: { ...emptyDeliveryCounts(), gaps: 1, gapEvents: 4, duplicates: 2, outOfOrder: 1 },
          }),
          row({ phase: 'presence-kill', presenceOnline: '4/6' }),
        ],
        {
          duplicateRowsByKey: 1,
          epochChanged: [{ phase: 'redis-loss', channels: 4, changed: 3 }],
          crashes: [
            {
              service: 'persistence-writer-1',
              exit: '1',
              at: 0,
              phase: 'postgres-pause',
              error: 'Error: boom',
            },
          ],
        },
      ),
      opts,
    );
    expect(v).toEqual([
      'postgres-pause: persistence-writer-1 exited by itself (1) — Error: boom',
      '1 duplicate rows (same payload key)',
      'writer-kill [queued]: 3 acked events missing from PostgreSQL',
      'baseline [queued]: 1 gaps presented as recovered (4 events skipped)',
      'baseline [queued]: 2 duplicate deliveries',
      'baseline [queued]: 1 out-of-order deliveries',
      'presence-kill [queued]: presence shows 4/6 subscribers online at the end of the phase',
      'redis-loss: 1 of 4 channels kept their epoch after Redis lost its data',
    ]);
  });

  it('tolerates the default mode losing recent acks with Redis data, within the window only', () => {
    const ok = row({ phase: 'redis-loss', dataLoss: true, missing: 12, missingMaxAgeMs: 900 });
    expect(checkExpectations(report([ok]), opts)).toEqual([]);
    const old = row({ phase: 'redis-loss', dataLoss: true, missing: 12, missingMaxAgeMs: 9_000 });
    expect(checkExpectations(report([old]), opts)).toEqual([
      'redis-loss [queued]: lost acked events up to 9000 ms old at the loss (window 5000 ms)',
    ]);
    const late = row({ phase: 'redis-loss', dataLoss: true, missing: 1, missingAfterFault: 1 });
    expect(checkExpectations(report([late]), opts)[0]).toMatch(/acknowledged after Redis came back/);
    const committed = row({
      phase: 'redis-loss',
      dataLoss: true,
      mode: 'committed',
      missing: 1,
      delivery: null,
    });
    expect(checkExpectations(report([committed]), opts)).toEqual([
      'redis-loss [committed]: 1 acked events missing from PostgreSQL',
    ]);
  });
});

describe('growthVerdict', () => {
  it('fits a line', () => {
    const fit = linearFit([
      { x: 0, y: 1 },
      { x: 1, y: 3 },
      { x: 2, y: 5 },
    ]);
    expect(fit.slope).toBeCloseTo(2);
    expect(fit.residualStd).toBeCloseTo(0);
  });

  it('passes a flat sawtooth and fails a steady climb', () => {
    const flat = Array.from({ length: 48 }, (_v, i) => ({ x: i / 6, y: 100 + (i % 3) * 4 }));
    expect(growthVerdict(flat).pass).toBe(true);
    const leak = Array.from({ length: 48 }, (_v, i) => ({ x: i / 6, y: 100 + i * 0.5 + (i % 3) }));
    const v = growthVerdict(leak);
    expect(v.pass).toBe(false);
    expect(v.slope).toBeCloseTo(3, 0);
  });
});
