import { io, type Socket } from 'socket.io-client';
import {
  type AckedEvent,
  type AckMode,
  type DeliveryCounts,
  type Position,
  type SubscribeResult,
  SubscriberTrack,
} from './ledger';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClientEnv {
  appID: string;
  /** Run-wide clock of phases: the phase in force now. */
  phase: () => string;
  counts: (phase: string) => DeliveryCounts;
  log: (line: string) => void;
}

function connect(url: string, token: string, appID: string, reconnection: boolean): Socket {
  return io(url, {
    auth: { token, appID },
    transports: ['websocket'],
    forceNew: true,
    reconnection,
    reconnectionDelay: 200,
    reconnectionDelayMax: 2_000,
    randomizationFactor: 0.3,
    timeout: 10_000,
  });
}

/**
 * Publishers: socket.io clients through the front door (socket.io's own reconnection), each owning a
 * set of channels. Every publish carries a unique id and an ack callback; on an error answer, a
 * timeout or a disconnect it is retried with the SAME id until acknowledged (or until `giveUp()`).
 */
export class PublisherPool {
  readonly acked = new Map<string, AckedEvent>();
  readonly errors = new Map<string, number>();
  inFlight = 0;
  issued = 0;
  skipped = 0;
  /** Ids tried but never acknowledged when the run gave up on them. */
  readonly abandoned: { id: string; channelID: string; phase: string; attempts: number }[] = [];
  private readonly sockets: Socket[] = [];
  private seq = 0;
  private giveUpAt = Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly env: ClientEnv,
    private readonly url: string,
    private readonly tokens: string[],
    private readonly channels: { channelID: string; mode: AckMode }[],
    private readonly runTag: string,
    private readonly ackTimeoutMs = 5_000,
    private readonly maxInFlight = 3_000,
    /** Send the id as the publish's idempotency key (the soak leaves it out: no keys pile up). */
    private readonly idempotent = true,
  ) {}

  async start(): Promise<void> {
    for (const token of this.tokens) {
      const s = connect(this.url, token, this.env.appID, true);
      this.sockets.push(s);
    }
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('publisher did not connect')), 20_000);
            s.once('ready', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }

  /** Publishes at `ratePerSec` in total, round-robin over the channels, until `stop()`. */
  run(ratePerSec: number): void {
    let credit = 0;
    let next = 0;
    const tickMs = 50;
    this.timer = setInterval(() => {
      credit += (ratePerSec * tickMs) / 1000;
      while (credit >= 1) {
        credit -= 1;
        if (this.inFlight >= this.maxInFlight) {
          this.skipped++;
          continue;
        }
        const ch = this.channels[next++ % this.channels.length];
        const socket = this.sockets[next % this.sockets.length];
        void this.publishUntilAcked(socket, ch.channelID, ch.mode);
      }
    }, tickMs);
  }

  /** Stops issuing new ids; the ones in flight keep retrying until acked or `giveUpAfterMs`. */
  async stop(giveUpAfterMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.giveUpAt = Date.now() + giveUpAfterMs;
    while (this.inFlight > 0 && Date.now() < this.giveUpAt + 1_000) await sleep(100);
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }

  private async publishUntilAcked(socket: Socket, channelID: string, mode: AckMode): Promise<void> {
    const id = `${this.runTag}-${++this.seq}`;
    const phase = this.env.phase();
    this.issued++;
    this.inFlight++;
    let attempts = 0;
    try {
      for (;;) {
        if (Date.now() > this.giveUpAt) {
          this.abandoned.push({ id, channelID, phase, attempts });
          return;
        }
        if (!socket.connected) {
          await sleep(100);
          continue;
        }
        attempts++;
        try {
          const ack = (await socket.timeout(this.ackTimeoutMs).emitWithAck('publish', {
            channelID,
            eventType: 'chaos',
            payload: { k: id, at: Date.now() },
            ...(this.idempotent ? { id } : {}),
          })) as { ok: boolean; offset?: number; epoch?: string; error?: { code: string } };
          if (ack.ok && typeof ack.offset === 'number' && typeof ack.epoch === 'string') {
            this.acked.set(id, {
              id,
              channelID,
              mode,
              phase,
              offset: ack.offset,
              epoch: ack.epoch,
              ackedAt: Date.now(),
              attempts,
            });
            return;
          }
          this.count(ack.ok ? 'ack_without_offset' : (ack.error?.code ?? 'error'));
        } catch {
          this.count(socket.connected ? 'timeout' : 'disconnected');
        }
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempts, 5)));
      }
    } finally {
      this.inFlight--;
    }
  }

  private count(what: string): void {
    this.errors.set(what, (this.errors.get(what) ?? 0) + 1);
  }
}

/**
 * A subscriber: first connected to `firstUrl` (a gateway directly, or the front door); when its
 * connection drops it reconnects through the front door with backoff and resubscribes every channel
 * with `recover` from the last offset and epoch it holds. Everything it receives goes to its track.
 */
export class Subscriber {
  readonly track: SubscriberTrack;
  private socket: Socket | null = null;
  private generation = 0;
  private closed = false;
  private downSince: number | null = null;
  private downPhase = '';
  private attempt = 0;
  subscribed = false;

  constructor(
    private readonly env: ClientEnv,
    readonly name: string,
    private readonly firstUrl: string,
    private readonly frontDoorUrl: string,
    private readonly token: string,
    private readonly channels: string[],
  ) {
    this.track = new SubscriberTrack(name, env.phase, env.counts);
  }

  /** Connects and subscribes; resolves once the first subscribe was answered. */
  async start(): Promise<void> {
    this.open(this.firstUrl);
    const deadline = Date.now() + 30_000;
    while (!this.subscribed) {
      if (Date.now() > deadline) throw new Error(`${this.name} did not subscribe`);
      await sleep(50);
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private open(url: string): void {
    const gen = ++this.generation;
    const s = connect(url, this.token, this.env.appID, false);
    this.socket = s;
    s.on('event', (e: { channelID?: string; offset?: number; epoch?: string }) => {
      if (gen !== this.generation || !e.channelID || typeof e.offset !== 'number' || !e.epoch) return;
      this.track.onEvent(e.channelID, e.offset, e.epoch);
    });
    s.once('ready', () => this.subscribe(s, gen));
    s.once('connect_error', () => this.lost(gen));
    s.once('disconnect', () => this.lost(gen));
  }

  private subscribe(s: Socket, gen: number): void {
    const asked = this.track.recoverRequest();
    const recover = Object.keys(asked).length ? asked : undefined;
    // A plain callback, not emitWithAck: the answer must be taken in before the live events that
    // follow it in the same read from the socket (a promise continuation would run after them).
    s.timeout(20_000).emit(
      'subscribe',
      { channels: this.channels, recover },
      (err: Error | null, ack: { ok: boolean; results?: Record<string, SubscribeResult> }) => {
        if (err) this.lost(gen);
        else this.answered(gen, asked, ack);
      },
    );
  }

  private answered(
    gen: number,
    asked: Record<string, Position>,
    ack: { ok: boolean; results?: Record<string, SubscribeResult> },
  ): void {
    if (gen !== this.generation) return;
    let failed = false;
    for (const channelID of this.channels) {
      const r = ack.results?.[channelID] ?? { ok: false, error: { code: 'no_result' } };
      const from: Position | undefined = asked[channelID];
      this.track.onSubscribed(channelID, from, r);
      if (!r.ok) failed = true;
    }
    if (failed) {
      // Some channel could not be subscribed (e.g. Redis is down): start over on a new connection.
      this.lost(gen);
      return;
    }
    this.subscribed = true;
    this.attempt = 0;
    if (this.downSince !== null) {
      const c = this.env.counts(this.downPhase);
      c.reconnects++;
      c.maxReconnectMs = Math.max(c.maxReconnectMs, Date.now() - this.downSince);
      this.downSince = null;
    }
  }

  private lost(gen: number): void {
    if (gen !== this.generation || this.closed) return;
    this.generation++;
    this.socket?.removeAllListeners();
    this.socket?.close();
    this.socket = null;
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.downPhase = this.env.phase();
    }
    const delay = Math.min(3_000, 200 * 2 ** Math.min(this.attempt++, 4)) * (0.75 + Math.random() / 2);
    setTimeout(() => {
      if (!this.closed) this.open(this.frontDoorUrl);
    }, delay);
  }
}
