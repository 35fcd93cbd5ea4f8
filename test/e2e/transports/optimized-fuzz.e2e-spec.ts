import { readFileSync } from 'node:fs';
import {
  encodeOptimizedFrame,
  encodeOptimizedMessage,
  eventually,
  OptimizedClient,
  OPTIMIZED_PROTO_PATH,
  sleep,
  Stack,
} from '@channels/testing';
import { Root } from 'protobufjs';
import { TRANSPORTS, waitForItem } from './support/realtime-driver';
import { World } from './support/world';

const MAX_FRAME_BYTES = 4_096;
const FRAMES_PER_CONNECTION = 1_500;
const FUZZ_CONNECTIONS = 4;
const APP = 'fuzz';
const CHANNELS = ['f1', 'f2', 'closed', 'secret'];

/** The gateway's CPU seconds so far (its /metrics). */
async function cpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with FUZZ_SEED. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const text = (n: number) =>
    Array.from({ length: n }, () =>
      pick(['a', 'Z', '0', '-', ':', ' ', '"', '{', '\u0000', 'é', '😀', '\uffff', '\n']),
    ).join('');
  return { next, int, pick, bytes, text };
}
type Rng = ReturnType<typeof prng>;

// Decoding with the schema (the same rules a protobuf decoder on the server follows) tells which
// frames carry a request the server will answer, and with which ID.
const schema = new Root().loadSync(OPTIMIZED_PROTO_PATH, { keepCase: true });
const NewEvent = schema.lookupType('NewEvent');
const SubscribeRequest = schema.lookupType('SubscribeRequest');
const PublishRequest = schema.lookupType('PublishRequest');

/** The ID a frame's request will be answered with: SUBSCRIBE any ID, PUBLISH with ID != 0; else none. */
function answeredID(frame: Uint8Array): number | undefined {
  try {
    const e = NewEvent.decode(frame) as unknown as { type: number; payload: Uint8Array };
    if (e.type === 4) return (SubscribeRequest.decode(e.payload) as unknown as { ID: number }).ID;
    if (e.type === 5) {
      const id = (PublishRequest.decode(e.payload) as unknown as { ID: number }).ID;
      return id === 0 ? undefined : id;
    }
  } catch {
    // not a NewEvent, or not the request its type names: nothing is answered
  }
  return undefined;
}

/** One random frame (under MAX_FRAME_BYTES): every kind a broken or hostile client could send. */
function randomFrame(r: Rng): { kind: string; data: Uint8Array | string } {
  const channel = () => r.pick([...CHANNELS, 'no-such', '', 'bad id!', r.text(r.int(30)), 'x'.repeat(101)]);
  const id = () => r.pick([0, 1, r.int(1_000), r.int(4_294_967_296), 4_294_967_295]);
  const subscribe = () =>
    encodeOptimizedFrame(
      'SUBSCRIBE',
      encodeOptimizedMessage('SubscribeRequest', { channelID: channel(), ID: id() }),
    );
  const publish = () =>
    encodeOptimizedFrame(
      'PUBLISH',
      encodeOptimizedMessage('PublishRequest', {
        ID: id(),
        eventType: r.pick(['t', '', r.text(r.int(60))]),
        channelID: channel(),
        payload: r.pick(['', 'p', r.text(r.int(200)), '{"a":1}', r.text(600)]),
      }),
    );
  const valid = () => (r.next() < 0.5 ? subscribe() : publish());
  switch (r.int(10)) {
    case 0:
      return { kind: 'random bytes', data: r.bytes(r.int(300)) };
    case 1: {
      // Every type number, known or not, with random bytes or a real request as its payload.
      const type = r.pick([...Array.from({ length: 12 }, (_, i) => i), 42, 2_147_483_647, -1]);
      const payload =
        r.next() < 0.5
          ? r.bytes(r.int(100))
          : (NewEvent.decode(valid()) as unknown as { payload: Uint8Array }).payload;
      return { kind: 'any type', data: NewEvent.encode(NewEvent.fromObject({ type, payload })).finish() };
    }
    case 2: {
      const v = valid();
      return { kind: 'truncated', data: v.subarray(0, r.int(v.length)) };
    }
    case 3: {
      const v = Uint8Array.from(valid());
      for (let i = 0, n = 1 + r.int(3); i < n && v.length > 0; i++) v[r.int(v.length)] = r.int(256);
      return { kind: 'mutated', data: v };
    }
    case 4:
      return { kind: 'subscribe', data: subscribe() };
    case 5:
    case 6:
      return { kind: 'publish', data: publish() };
    case 7:
      return { kind: 'text', data: r.pick(['', '{"type":"subscribe"}', r.text(r.int(200))]) };
    case 8:
      return { kind: 'empty', data: new Uint8Array() };
    default: {
      // A valid frame followed by garbage, or wrapped twice.
      const v = valid();
      return r.next() < 0.5
        ? { kind: 'trailing garbage', data: Buffer.concat([v, r.bytes(1 + r.int(20))]) }
        : { kind: 'nested', data: encodeOptimizedFrame('PUBLISH', v) };
    }
  }
}

/**
 * Thousands of random frames at `/optimized` (random bytes, truncated and mutated requests, valid
 * requests with random fields, every type number, text and empty frames, a few oversized frames):
 * the gateway stays up, connections opened before keep receiving, every ACK answers an ID that
 * was sent (each answerable request exactly once), only the oversized frames' connections are
 * closed (1009), and afterwards fresh clients of both transports are served normally.
 */
describe('/optimized under a fuzz of random frames', () => {
  const seed = process.env['FUZZ_SEED']
    ? Number(process.env['FUZZ_SEED'])
    : Math.floor(Math.random() * 2 ** 31);
  const stack = new Stack({
    gateways: 1,
    writers: 1,
    presences: 0,
    serviceEnv: { gateway: { MAX_FRAME_BYTES: String(MAX_FRAME_BYTES), MAX_PAYLOAD_BYTES: '2048' } },
  });
  let world: World;
  const raw: OptimizedClient[] = [];
  const open = async (clientID: string) => {
    const c = await OptimizedClient.connect(stack.url('gateway', 0), {
      token: world.token(clientID),
      appID: APP,
    });
    raw.push(c);
    return c;
  };

  beforeAll(async () => {
    console.log(`optimized fuzz: FUZZ_SEED=${seed}`);
    await stack.start();
    world = new World(stack, APP);
    await world.setup(['watcher', 'ticker', 'fresh']);
    await world.createChannel('f1');
    await world.createChannel('f2', { persistent: true });
    await world.createChannel('closed');
    await world.closeChannel('closed');
    await world.createChannel('secret', { private: true });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(raw.map((c) => c.close().catch(() => undefined)));
    await world?.closeAll();
    await stack.stop();
  });

  it(`survives ${FUZZ_CONNECTIONS * FRAMES_PER_CONNECTION} random frames and then serves correct clients (seed printed)`, async () => {
    const r = prng(seed);
    const gateway = stack.all('gateway')[0];

    // Opened before the fuzz: watchers on both transports and a ticker publishing to them throughout.
    const watchers = [
      await world.subscriber('socket.io', 0, 'watcher', ['f1']),
      await world.subscriber('optimized', 0, 'watcher', ['f1']),
    ];
    const ticker = await world.connect('optimized', 0, 'ticker');
    let ticks = 0;
    let ticking = true;
    let slowestTick = 0;
    const phases: string[] = [];
    let phaseStart = Date.now();
    const phase = (name: string) => {
      phases.push(`${name} ${Date.now() - phaseStart} ms`);
      phaseStart = Date.now();
    };
    const tickLoop = (async () => {
      while (ticking) {
        ticks++;
        const t0 = Date.now();
        expect(await ticker.publish('f1', 'tick', `tick ${ticks}`, { acked: true })).toBe(true);
        slowestTick = Math.max(slowestTick, Date.now() - t0);
        await sleep(25);
      }
    })();

    tickLoop.catch(() => undefined); // awaited below
    try {
      const fuzzers = await Promise.all(
        Array.from({ length: FUZZ_CONNECTIONS }, (_, i) => open(`fuzzer-${i}`)),
      );
      const expected = fuzzers.map(() => new Map<number, number>());
      const kinds = new Map<string, number>();
      const ticksBefore = watchers.map((w) => w.events.length);
      const cpuBefore = await cpuSeconds(gateway.url);

      // Interleaved: each connection sends its frames in small bursts.
      await Promise.all(
        fuzzers.map(async (c, i) => {
          // One generator per connection: the same seed replays the same frames on each.
          const rc = prng(seed + 1 + i);
          for (let sent = 0; sent < FRAMES_PER_CONNECTION;) {
            const burst: Promise<void>[] = [];
            for (let k = 0; k < 50 && sent < FRAMES_PER_CONNECTION; k++, sent++) {
              const f = randomFrame(rc);
              kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
              if (typeof f.data !== 'string') {
                const id = answeredID(f.data);
                if (id !== undefined) expected[i].set(id, (expected[i].get(id) ?? 0) + 1);
              }
              burst.push(c.sendRaw(f.data));
            }
            await Promise.all(burst);
            await sleep(5);
          }
        }),
      );

      phase('fuzz');
      const cpu = (await cpuSeconds(gateway.url)) - cpuBefore;
      // A few oversized frames, each on a connection of its own: ws closes those (1009), only those.
      const oversized: [string, Uint8Array | string][] = [
        ['random bytes', r.bytes(MAX_FRAME_BYTES + 1 + r.int(1_000))],
        [
          'a valid PUBLISH',
          encodeOptimizedFrame(
            'PUBLISH',
            encodeOptimizedMessage('PublishRequest', {
              ID: 7,
              eventType: 't',
              channelID: 'f1',
              payload: 'x'.repeat(MAX_FRAME_BYTES),
            }),
          ),
        ],
        ['text', 'y'.repeat(MAX_FRAME_BYTES + 10)],
      ];
      const closedBySize = await Promise.all(
        oversized.map(async ([, data], i) => {
          const c = await open(`big-${i}`);
          await c.sendRaw(data).catch(() => undefined);
          return (
            await Promise.race([c.closed, sleep(5_000).then(() => ({ code: 0, reason: 'still open' }))])
          ).code;
        }),
      );
      expect(Object.fromEntries(oversized.map(([k], i) => [k, closedBySize[i]]))).toEqual(
        Object.fromEntries(oversized.map(([k]) => [k, 1009])),
      );

      phase('oversized');
      // Every answerable request is answered exactly once; no ACK answers anything else.
      const answered = (c: OptimizedClient) => {
        const m = new Map<number, number>();
        for (const a of c.payloads('ACK')) m.set(a.replyTo, (m.get(a.replyTo) ?? 0) + 1);
        return m;
      };
      const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      await eventually(
        () => fuzzers.every((c, i) => total(answered(c)) >= total(expected[i])),
        'an ACK for every answerable request',
        20_000,
      );
      phase('acks');
      await sleep(300);
      const sorted = (m: Map<number, number>) => [...m.entries()].sort((a, b) => a[0] - b[0]);
      for (const [i, c] of fuzzers.entries()) {
        expect({ connection: i, acks: sorted(answered(c)) }).toEqual({
          connection: i,
          acks: sorted(expected[i]),
        });
        // Whatever the server sent decodes as a frame of the schema.
        expect(c.undecodable).toEqual([]);
        expect(c.isOpen).toBe(true);
      }

      // The gateway is up and ready; the watchers kept receiving the ticks during the fuzz.
      ticking = false;
      await tickLoop;
      const health = await fetch(`${gateway.url}/health/ready`);
      expect(health.status).toBe(200);
      expect(gateway.process.exitCode).toBeNull();
      for (const [i, w] of watchers.entries()) {
        expect(w.isOpen).toBe(true);
        await waitForItem(w.events, (e) => e.payload === `tick ${ticks}`, `the last tick on ${w.transport}`);
        const got = w.events
          .filter((e) => e.eventType === 'tick' && e.senderID === 'ticker')
          .map((e) => e.payload);
        expect(got).toEqual(Array.from({ length: ticks }, (_, k) => `tick ${k + 1}`));
        expect(w.events.length).toBeGreaterThan(ticksBefore[i]);
      }
      // No frame made the server fail while handling it.
      expect(readFileSync(gateway.logFile, 'utf8')).not.toMatch(/frame failed|Unhandled|uncaught/i);

      // Fresh, correct clients of both transports subscribe, publish and receive normally.
      const fresh = await Promise.all(TRANSPORTS.map((t) => world.subscriber(t, 0, 'fresh', ['f2'])));
      for (const c of fresh)
        expect(await c.publish('f2', 'after', `after the fuzz via ${c.transport}`, { acked: true })).toBe(
          true,
        );
      const wanted = TRANSPORTS.map((t) => `after the fuzz via ${t}`);
      await eventually(
        () => fresh.every((c) => wanted.every((p) => c.payloads('f2').includes(p))),
        'both events on both',
      );
      for (const c of fresh)
        expect(
          c
            .payloads('f2')
            .filter((p) => wanted.includes(p as string))
            .sort(),
        ).toEqual([...wanted].sort());
      console.log(
        `optimized fuzz (seed ${seed}): ${[...kinds.entries()].map(([k, n]) => `${k} ${n}`).join(', ')}; ` +
          `${fuzzers.reduce((n, _, i) => n + total(expected[i]), 0)} ACKs; ${ticks} ticks (slowest ${slowestTick} ms); ` +
          `gateway CPU during the fuzz ${cpu.toFixed(2)} s; ` +
          phases.join(', '),
      );
    } finally {
      ticking = false;
      await tickLoop.catch(() => undefined);
    }
  });
});
