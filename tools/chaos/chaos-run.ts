import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { REPO_ROOT } from '@channels/testing';
import { PublisherPool, Subscriber } from './clients';
import { type Crash, type Rig, sleep, startRig, v1, v1ok } from './harness';
import {
  type AckMode,
  type Anomaly,
  type DeliveryCounts,
  emptyDeliveryCounts,
  emptyPublishCounts,
  type Position,
  type PublishCounts,
  reconcile,
  type StoredRow,
} from './ledger';

export interface ChaosOptions {
  runTag: string;
  /** Steady traffic after each fault, seconds. */
  phaseSeconds: number;
  /** Steady traffic before each fault, seconds. */
  preSeconds: number;
  rate: number;
  channels: number;
  /** Longest tolerated age of an acked event lost with Redis' data in the default ack mode, ms. */
  lossWindowMs: number;
}

const APP = 'chaos';
const PRESENCE_EVERY = 4;

interface PhaseDef {
  name: string;
  title: string;
  /**
   * Strikes the fault and undoes it; may return when the harm was done, if not at its start (the
   * moment lost events are aged against).
   */
  fault: ((rig: Rig) => Promise<number | void>) | null;
  /** Redis loses its data: acked events not yet stored may be lost in the default ack mode. */
  dataLoss?: boolean;
}

const PHASES: PhaseDef[] = [
  { name: 'baseline', title: 'no fault', fault: null },
  {
    name: 'gateway-kill',
    title: 'kill -9 gateway 1, restart it 3 s later',
    fault: async (rig) => {
      const gw = rig.gateways()[0];
      rig.kill9(gw);
      await sleep(3_000);
      await rig.restart(gw);
    },
  },
  {
    name: 'writer-kill',
    title: 'kill -9 the writer, restart it 3 s later',
    fault: async (rig) => {
      const writer = rig.writer();
      rig.kill9(writer);
      await sleep(3_000);
      await rig.restart(writer);
    },
  },
  {
    name: 'presence-kill',
    title: 'kill -9 presence replica 1, restart it 3 s later',
    fault: async (rig) => {
      const pr = rig.presences()[0];
      rig.kill9(pr);
      await sleep(3_000);
      await rig.restart(pr);
    },
  },
  {
    name: 'postgres-pause',
    title: 'PostgreSQL unreachable for the writer for 20 s',
    fault: async (rig) => {
      rig.proxy.cut();
      await sleep(20_000);
      rig.proxy.restore();
    },
  },
  {
    name: 'redis-loss',
    title: 'kill -9 Redis, wipe its data directory, restart it 2 s later',
    dataLoss: true,
    // The loss is the moment the Redis process is gone: an acknowledgment read before then (even a
    // few milliseconds after the kill was ordered) came from the old data, which held the event.
    fault: async (rig) => {
      await rig.redis.kill9();
      const lossAt = Date.now();
      rig.redis.wipe();
      await sleep(2_000);
      await rig.redis.start();
      return lossAt;
    },
  },
  {
    name: 'redis-loss-lagging',
    title: 'the writer 3 s behind (PostgreSQL cut), then Redis data loss as above',
    dataLoss: true,
    fault: async (rig) => {
      rig.proxy.cut();
      await sleep(3_000);
      await rig.redis.kill9();
      const lossAt = Date.now();
      rig.redis.wipe();
      await sleep(2_000);
      await rig.redis.start();
      rig.proxy.restore();
      return lossAt;
    },
  },
];

export interface PhaseRow {
  phase: string;
  title: string;
  /** Redis lost its data in this phase (the default mode's bounded loss is expected). */
  dataLoss: boolean;
  mode: AckMode | 'all';
  acked: number | null;
  missing: number | null;
  moved: number | null;
  retried: number | null;
  missingMaxAgeMs: number | null;
  missingAfterFault: number | null;
  duplicateRows: number | null;
  delivery: DeliveryCounts | null;
  presenceOnline: string | null;
}

export interface ChaosReport {
  kind: 'chaos';
  options: ChaosOptions;
  commitAck: { available: boolean; reason: string };
  startedAt: string;
  seconds: number;
  phases: {
    name: string;
    title: string;
    startedAt: number;
    faultAt: number | null;
    faultSeconds: number | null;
  }[];
  rows: PhaseRow[];
  duplicateRowsById: number;
  duplicateRowsByKey: number;
  unackedRows: number;
  abandoned: number;
  publishErrors: Record<string, number>;
  /** Per Redis data loss: channels published to on both sides of it, and how many changed epoch. */
  epochChanged: { phase: string; channels: number; changed: number }[];
  /** Services that exited by themselves (each restarted by the run's watchdog). */
  crashes: Crash[];
  /** Each subscriber's counters over the whole run. */
  subscribers: ({ subscriber: string } & DeliveryCounts)[];
  anomalies: Anomaly[];
  missingExamples: unknown[];
  violations: string[];
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
  log('starting the rig: own redis-server, database, 2 gateways + front door, admin-api, writer, 2 presence');
  const rig = await startRig({ runTag: o.runTag });
  log(`rig up (Redis :${rig.redis.port}, front door ${rig.frontDoorUrl}, logs ${rig.logDir})`);

  // --- the app, its channels and clients, through /v1 --------------------------------------------
  await v1ok(rig, 'POST', '/apps', { appID: APP, name: 'chaos ledger run' });
  const channels = Array.from({ length: o.channels }, (_v, i) => `ch-${String(i).padStart(2, '0')}`);
  const committedFrom = Math.floor(o.channels * 0.75);
  for (const [i, channelID] of channels.entries()) {
    await v1ok(rig, 'POST', `/apps/${APP}/channels`, {
      channelID,
      persistent: true,
      presence: i % PRESENCE_EVERY === 0,
    });
  }
  const commitAck = { available: true, reason: '' };
  for (const channelID of channels.slice(committedFrom)) {
    const r = await v1(rig, 'PATCH', `/apps/${APP}/channels/${channelID}`, { ackMode: 'committed' });
    const back = r.status < 300 ? await v1(rig, 'GET', `/apps/${APP}/channels/${channelID}`) : null;
    if (r.status >= 300 || back?.body['ackMode'] !== 'committed') {
      commitAck.available = false;
      commitAck.reason =
        r.status >= 300
          ? `PATCH {ackMode: "committed"} answered ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`
          : `PATCH accepted but the channel reads back ackMode=${JSON.stringify(back?.body['ackMode'])}`;
      break;
    }
  }
  const modeOf = (i: number): AckMode => (commitAck.available && i >= committedFrom ? 'committed' : 'queued');
  log(
    commitAck.available
      ? `${o.channels} channels (${o.channels - committedFrom} with ackMode "committed")`
      : `${o.channels} channels; commit-ack mode not available: ${commitAck.reason}`,
  );
  const subscriberIDs = ['sub-gw1-a', 'sub-gw1-b', 'sub-gw2-a', 'sub-gw2-b', 'sub-fd-a', 'sub-fd-b'];
  const publisherIDs = Array.from({ length: 8 }, (_v, i) => `pub-${i + 1}`);
  for (const clientID of [...subscriberIDs, ...publisherIDs])
    await v1ok(rig, 'POST', `/apps/${APP}/clients`, { clientID });

  // --- the phase clock and the per-phase counters ------------------------------------------------
  let phase = 'setup';
  rig.onCrash = (c) => {
    c.phase = phase;
  };
  // Delivery counters per phase and subscriber; the table sums them per phase.
  const perSubscriber = new Map<string, Map<string, DeliveryCounts>>();
  const countsOf = (subscriber: string) => (p: string) => {
    const byPhase = perSubscriber.get(subscriber) ?? new Map<string, DeliveryCounts>();
    perSubscriber.set(subscriber, byPhase);
    let c = byPhase.get(p);
    if (!c) byPhase.set(p, (c = emptyDeliveryCounts()));
    return c;
  };
  const phaseTotal = (p: string) => sumDeliveryCounts([...perSubscriber.values()].map((m) => m.get(p)));
  const env = { appID: APP, phase: () => phase, counts: countsOf('publishers'), log };

  const [gw1, gw2] = rig.gateways();
  const firstUrl = (id: string) =>
    id.includes('gw1') ? gw1.url : id.includes('gw2') ? gw2.url : rig.frontDoorUrl;
  const subscribers = subscriberIDs.map(
    (id) =>
      new Subscriber(
        { ...env, counts: countsOf(id) },
        id,
        firstUrl(id),
        rig.frontDoorUrl,
        rig.stack.clientToken(APP, id),
        channels,
      ),
  );
  const publishers = new PublisherPool(
    env,
    rig.frontDoorUrl,
    publisherIDs.map((id) => rig.stack.clientToken(APP, id)),
    channels.map((channelID, i) => ({ channelID, mode: modeOf(i) })),
    o.runTag,
  );
  try {
    await Promise.all(subscribers.map((s) => s.start()));
    await publishers.start();
    log(
      `${subscribers.length} subscribers (2 on each gateway directly, 2 through the front door), 8 publishers`,
    );

    // --- phases ------------------------------------------------------------------------------------
    const phases: ChaosReport['phases'] = [];
    const presenceOnline = new Map<string, string>();
    const faultAt = new Map<string, number>();
    publishers.run(o.rate);
    for (const def of PHASES) {
      phase = def.name;
      const startedAt = Date.now();
      const entry = {
        name: def.name,
        title: def.title,
        startedAt,
        faultAt: null as number | null,
        faultSeconds: null as number | null,
      };
      phases.push(entry);
      log(`▶ ${def.name}: ${def.title}`);
      await sleep(o.preSeconds * 1000);
      if (def.fault) {
        const at = Date.now();
        const harmAt = (await def.fault(rig)) ?? at;
        entry.faultAt = harmAt;
        faultAt.set(def.name, harmAt);
        entry.faultSeconds = (Date.now() - at) / 1000;
        log(`  fault done in ${entry.faultSeconds.toFixed(1)} s; steady traffic for ${o.phaseSeconds} s`);
      }
      await sleep(o.phaseSeconds * 1000);
      presenceOnline.set(def.name, await presenceSeen(rig, channels[0], subscriberIDs));
      const c = phaseTotal(def.name);
      log(
        `  acked so far ${publishers.acked.size}, in flight ${publishers.inFlight}; delivered ${c.delivered}, gaps ${c.gaps}, dup ${c.duplicates}, recovered:false ${c.recoveredFalse}, presence ${presenceOnline.get(def.name)}`,
      );
    }

    // --- stop, drain, reconcile --------------------------------------------------------------------
    phase = 'drain';
    log('publishing stopped; retrying what is in flight (≤ 60 s)');
    await publishers.stop(60_000);
    log(
      `${publishers.acked.size} acked, ${publishers.abandoned.length} never acked; waiting for the writer to drain`,
    );
    const rows = await drain(rig, publishers.acked.size, log);
    await sleep(3_000); // the last live deliveries
    const lastPerChannel = lastAckedPositions(publishers.acked.values());
    for (const s of subscribers) for (const ch of channels) s.track.checkTail(ch, lastPerChannel.get(ch));

    const rec = reconcile(publishers.acked.values(), rows, faultAt);
    const dataLoss = new Set(PHASES.filter((p) => p.dataLoss).map((p) => p.name));
    const epochChanged = [...dataLoss].flatMap((name) => {
      const at = faultAt.get(name);
      return at === undefined
        ? []
        : [{ phase: name, ...epochChangeAfterLoss(publishers.acked.values(), at) }];
    });
    const rowsOut: PhaseRow[] = [];
    const modes: AckMode[] = ['queued', 'committed'];
    for (const def of [...PHASES, { name: 'drain', title: 'after publishing stopped' }]) {
      const byMode = rec.byPhase.get(def.name);
      for (const mode of modes) {
        if (mode === 'committed' && !commitAck.available) {
          rowsOut.push({
            phase: def.name,
            title: def.title,
            dataLoss: dataLoss.has(def.name),
            mode,
            acked: null,
            missing: null,
            moved: null,
            retried: null,
            missingMaxAgeMs: null,
            missingAfterFault: null,
            duplicateRows: null,
            delivery: null,
            presenceOnline: null,
          });
          continue;
        }
        const c: PublishCounts = byMode?.get(mode) ?? emptyPublishCounts();
        rowsOut.push({
          phase: def.name,
          title: def.title,
          dataLoss: dataLoss.has(def.name),
          mode,
          ...c,
          delivery: mode === 'queued' ? phaseTotal(def.name) : null,
          presenceOnline: mode === 'queued' ? (presenceOnline.get(def.name) ?? null) : null,
        });
      }
    }

    const anomalies = subscribers.flatMap((s) => s.track.anomalies);
    const report: ChaosReport = {
      kind: 'chaos',
      options: o,
      commitAck,
      startedAt: new Date(t0).toISOString(),
      seconds: (Date.now() - t0) / 1000,
      phases,
      rows: rowsOut,
      duplicateRowsById: rec.duplicateIds,
      duplicateRowsByKey: rec.duplicateKeys,
      unackedRows: rec.unackedRows,
      abandoned: publishers.abandoned.length,
      publishErrors: Object.fromEntries(publishers.errors),
      epochChanged,
      crashes: rig.crashes,
      subscribers: subscriberIDs.map((id) => ({
        subscriber: id,
        ...sumDeliveryCounts([...(perSubscriber.get(id)?.values() ?? [])]),
      })),
      anomalies: anomalies.slice(0, 100),
      missingExamples: rec.examples.missing,
      violations: [],
    };
    report.violations = checkExpectations(report, o);
    return report;
  } finally {
    publishers.close();
    for (const s of subscribers) s.close();
  }
}

/** Online members of a presence channel among the subscribers, polled for up to 20 s: "6/6". */
async function presenceSeen(rig: Rig, channelID: string, ids: string[]): Promise<string> {
  const deadline = Date.now() + 20_000;
  let online = 0;
  for (;;) {
    try {
      const r = await v1(rig, 'GET', `/apps/${APP}/channels/${channelID}/presence`);
      const status = (r.body['clientStatus'] ?? {}) as Record<string, { status?: boolean }>;
      online = ids.filter((id) => status[id]?.status === true).length;
    } catch {
      online = 0;
    }
    if (online === ids.length || Date.now() > deadline) return `${online}/${ids.length}`;
    await sleep(1_000);
  }
}

/** Waits until the stored rows stop changing (the writer drained), at most 120 s; returns them. */
async function drain(rig: Rig, acked: number, log: (s: string) => void): Promise<StoredRow[]> {
  const pg = new Client({ connectionString: rig.stack.databaseUrl });
  await pg.connect();
  try {
    const deadline = Date.now() + 120_000;
    let last = -1;
    let stable = 0;
    for (;;) {
      const n = Number(
        (await pg.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE app_id = $1', [APP])).rows[0]
          .n,
      );
      stable = n === last ? stable + 1 : 0;
      last = n;
      if ((n >= acked && stable >= 1) || stable >= 5 || Date.now() > deadline) {
        log(`writer drained: ${n} rows (${acked} acked)`);
        break;
      }
      await sleep(2_000);
    }
    const res = await pg.query<{
      channel_id: string;
      id: string;
      offset: string;
      epoch: string;
      k: string | null;
    }>(`SELECT channel_id, id, "offset", epoch, payload->>'k' AS k FROM events WHERE app_id = $1`, [APP]);
    return res.rows.map((r) => ({
      channelID: r.channel_id,
      id: r.id,
      offset: Number(r.offset),
      epoch: r.epoch,
      key: r.k,
    }));
  } finally {
    await pg.end();
  }
}

/** Counters added up (the longest reconnect is the longest of them). */
export function sumDeliveryCounts(list: (DeliveryCounts | undefined)[]): DeliveryCounts {
  const out = emptyDeliveryCounts();
  for (const c of list) {
    if (!c) continue;
    for (const k of Object.keys(out) as (keyof DeliveryCounts)[])
      out[k] = k === 'maxReconnectMs' ? Math.max(out[k], c[k]) : out[k] + c[k];
  }
  return out;
}

/**
 * Per channel, the last acknowledged position: the highest offset of the newest epoch (the epoch
 * whose first acknowledgement came last).
 */
export function lastAckedPositions(
  acked: Iterable<{ channelID: string; epoch: string; offset: number; ackedAt: number }>,
): Map<string, Position> {
  const epochs = new Map<string, Map<string, { first: number; top: number }>>();
  for (const a of acked) {
    const byEpoch = epochs.get(a.channelID) ?? new Map<string, { first: number; top: number }>();
    epochs.set(a.channelID, byEpoch);
    const e = byEpoch.get(a.epoch);
    if (!e) byEpoch.set(a.epoch, { first: a.ackedAt, top: a.offset });
    else {
      e.first = Math.min(e.first, a.ackedAt);
      e.top = Math.max(e.top, a.offset);
    }
  }
  const out = new Map<string, Position>();
  for (const [channelID, byEpoch] of epochs) {
    let best: [string, { first: number; top: number }] | null = null;
    for (const entry of byEpoch) if (!best || entry[1].first > best[1].first) best = entry;
    if (best) out.set(channelID, { epoch: best[0], offset: best[1].top });
  }
  return out;
}

/**
 * Per channel published to in the 10 s before and the 60 s after a Redis data loss at `lossAt`: did
 * the epochs acknowledged after it all differ from the ones before?
 */
export function epochChangeAfterLoss(
  acked: Iterable<{ channelID: string; epoch: string; ackedAt: number }>,
  lossAt: number,
): { channels: number; changed: number } {
  const before = new Map<string, Set<string>>();
  const after = new Map<string, Set<string>>();
  for (const a of acked) {
    const m =
      a.ackedAt < lossAt && a.ackedAt >= lossAt - 10_000
        ? before
        : a.ackedAt > lossAt && a.ackedAt <= lossAt + 60_000
          ? after
          : null;
    if (!m) continue;
    const set = m.get(a.channelID) ?? new Set<string>();
    set.add(a.epoch);
    m.set(a.channelID, set);
  }
  let channels = 0;
  let changed = 0;
  for (const [ch, epochs] of after) {
    const prior = before.get(ch);
    if (!prior) continue;
    channels++;
    if (![...epochs].some((e) => prior.has(e))) changed++;
  }
  return { channels, changed };
}

/** The issue's expectations; every failed one is named. */
export function checkExpectations(r: ChaosReport, o: ChaosOptions): string[] {
  const v: string[] = [];
  for (const c of r.crashes)
    v.push(`${c.phase ?? 'setup'}: ${c.service} exited by itself (${c.exit}) — ${c.error}`);
  if (r.duplicateRowsById > 0) v.push(`${r.duplicateRowsById} duplicate rows (same publisher id)`);
  if (r.duplicateRowsByKey > 0) v.push(`${r.duplicateRowsByKey} duplicate rows (same payload key)`);
  for (const row of r.rows) {
    const at = `${row.phase}${row.mode === 'all' ? '' : ` [${row.mode}]`}`;
    const d = row.delivery;
    if (d) {
      if (d.gaps > 0) v.push(`${at}: ${d.gaps} gaps presented as recovered (${d.gapEvents} events skipped)`);
      if (d.duplicates > 0) v.push(`${at}: ${d.duplicates} duplicate deliveries`);
      if (d.outOfOrder > 0) v.push(`${at}: ${d.outOfOrder} out-of-order deliveries`);
    }
    if (row.presenceOnline && !/^(\d+)\/\1$/.test(row.presenceOnline))
      v.push(`${at}: presence shows ${row.presenceOnline} subscribers online at the end of the phase`);
    if (row.missing === null || row.missing === 0) continue;
    if (row.dataLoss && row.mode === 'queued') {
      if ((row.missingAfterFault ?? 0) > 0)
        v.push(
          `${at}: ${row.missingAfterFault} acked events lost that were acknowledged after Redis came back`,
        );
      if ((row.missingMaxAgeMs ?? 0) > o.lossWindowMs)
        v.push(
          `${at}: lost acked events up to ${row.missingMaxAgeMs} ms old at the loss (window ${o.lossWindowMs} ms)`,
        );
    } else {
      v.push(`${at}: ${row.missing} acked events missing from PostgreSQL`);
    }
  }
  for (const e of r.epochChanged) {
    if (e.changed < e.channels)
      v.push(
        `${e.phase}: ${e.channels - e.changed} of ${e.channels} channels kept their epoch after Redis lost its data`,
      );
    if (e.channels === 0) v.push(`${e.phase}: no channel was published to on both sides of the data loss`);
  }
  return v;
}

export function writeReport(report: unknown, name: string): string {
  const file = join(REPO_ROOT, 'tmp', 'chaos', name);
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}
