import { randomBytes, randomUUID } from 'node:crypto';
import { type ChannelEvent, eventText, type ServerToClientEvents } from '@channels/contracts';
import type {
  Broker,
  ChannelGate,
  OutboxEntry,
  PublishCommand,
  PublishOutcome,
  StreamPosition,
  StreamRef,
  StreamSource,
  WindowRead,
  WindowTextRead,
} from './broker.port';

interface Stream {
  top: number;
  epoch: string;
  window: ChannelEvent[];
  /** Every offset ≤ durable is committed; the window is never trimmed above it. */
  durable: number;
  /** Ranges committed above the watermark, waiting for the offsets below them. */
  committed: [number, number][];
  /** The last stored event's timestamp: stored timestamps never go backwards (as in Redis). */
  lastTimestamp?: number;
}

/** In-process broker with the same semantics as `RedisBroker`, for unit tests. */
export class InMemoryBroker implements Broker {
  private readonly gates = new Map<string, ChannelGate>();
  private readonly streams = new Map<string, Stream>();
  /** `app\0channel\0epoch` of streams dropped with their channel. */
  private readonly dropped = new Set<string>();
  private readonly ids = new Map<string, { event: ChannelEvent; until: number }>();
  /** The outbox index: channel key → since (unix ms). */
  private readonly outbox = new Map<string, number>();
  /** Everything fanned out, in order (events and server emits). */
  readonly emitted: { appID: string; channelID: string; event: string; payload: unknown }[] = [];

  constructor(
    private readonly source: StreamSource,
    private readonly options: { windowSize: number; idempotencyTtlSeconds: number; maxUncommitted?: number },
  ) {}

  private get maxUncommitted(): number {
    return this.options.maxUncommitted ?? 10_000;
  }

  async publish(cmd: PublishCommand): Promise<PublishOutcome> {
    const key = `${cmd.appID}\u0000${cmd.channelID}`;
    let gate = this.gates.get(key);
    if (!gate) {
      gate = await this.source.gate(cmd.appID, cmd.channelID);
      this.gates.set(key, gate);
    }
    if (!gate.exists) return { status: 'not_found' };
    if (gate.closed) return { status: 'closed' };
    const base = {
      id: cmd.id ?? randomUUID(),
      channelID: cmd.channelID,
      eventType: cmd.eventType,
      payload: cmd.payload ?? null,
      senderID: cmd.senderID,
      timestamp: Date.now(),
    };
    if (!cmd.store) {
      this.emitted.push({ appID: cmd.appID, channelID: cmd.channelID, event: 'event', payload: base });
      return { status: 'published', event: base, duplicate: false };
    }
    const idKey = cmd.id ? `${key}\u0000${cmd.id}` : undefined;
    const seen = idKey ? this.ids.get(idKey) : undefined;
    if (seen && seen.until > Date.now())
      return { status: 'published', event: structuredClone(seen.event), duplicate: true };
    if (!this.outbox.has(key)) this.outbox.set(key, base.timestamp);
    const stream = await this.stream(cmd.appID, cmd.channelID);
    if (stream.top - stream.durable >= this.maxUncommitted)
      return { status: 'behind', uncommitted: stream.top - stream.durable };
    stream.top += 1;
    const timestamp = Math.max(base.timestamp, stream.lastTimestamp ?? 0);
    stream.lastTimestamp = timestamp;
    const event: ChannelEvent = { ...base, offset: stream.top, epoch: stream.epoch, timestamp };
    stream.window.push(event);
    this.trim(stream);
    if (idKey) this.ids.set(idKey, { event, until: Date.now() + this.options.idempotencyTtlSeconds * 1000 });
    this.emitted.push({ appID: cmd.appID, channelID: cmd.channelID, event: 'event', payload: event });
    return { status: 'published', event: structuredClone(event), duplicate: false };
  }

  /** The window read as event objects (what the texts below are rendered from). */
  private async windowEvents(
    appID: string,
    channelID: string,
    afterOffset: number,
    limit: number,
  ): Promise<WindowRead> {
    const s = await this.stream(appID, channelID);
    const first = s.top - s.window.length + 1;
    const events =
      afterOffset < 0
        ? s.window.slice(Math.max(s.window.length - limit, 0))
        : s.window.filter((e) => (e.offset ?? 0) > afterOffset).slice(0, limit);
    return {
      top: s.top,
      first,
      durable: s.durable,
      epoch: s.epoch,
      events: structuredClone(events),
      complete: afterOffset < 0 || afterOffset + 1 >= first || s.top <= afterOffset,
    };
  }

  async readWindowText(
    appID: string,
    channelID: string,
    afterOffset: number,
    limit: number,
  ): Promise<WindowTextRead> {
    const { events, ...rest } = await this.windowEvents(appID, channelID, afterOffset, limit);
    return {
      ...rest,
      events: events.map((e) =>
        eventText({
          id: e.id,
          channelID: e.channelID,
          offset: e.offset ?? 0,
          epoch: e.epoch ?? rest.epoch,
          eventType: e.eventType,
          payloadJson: JSON.stringify(e.payload ?? null),
          senderID: e.senderID,
          timestamp: e.timestamp,
        }),
      ),
    };
  }

  async readUncommittedText(appID: string, channelID: string, limit: number): Promise<WindowTextRead | null> {
    const s = this.streams.get(`${appID}\u0000${channelID}`);
    if (!s) return null;
    const read = await this.readWindowText(appID, channelID, s.durable, limit);
    return { ...read, complete: read.first <= read.durable + 1 };
  }

  async position(appID: string, channelID: string): Promise<StreamPosition> {
    const s = await this.stream(appID, channelID);
    return { top: s.top, epoch: s.epoch, durable: s.durable };
  }

  async markCommitted(
    appID: string,
    channelID: string,
    epoch: string,
    ranges: [number, number][],
  ): Promise<{ durable: number; top: number; previous: number } | null> {
    const s = this.streams.get(`${appID}\u0000${channelID}`);
    if (!s || s.epoch !== epoch) return null;
    const previous = s.durable;
    for (const [a, to] of ranges) {
      const b = Math.min(to, s.top);
      if (b <= s.durable) continue;
      if (a <= s.durable + 1) s.durable = b;
      else s.committed.push([a, b]);
    }
    s.committed.sort((x, y) => x[0] - y[0]);
    while (s.committed.length > 0 && s.committed[0][0] <= s.durable + 1) {
      s.durable = Math.max(s.durable, s.committed[0][1]);
      s.committed.shift();
    }
    this.trim(s);
    return { durable: s.durable, top: s.top, previous };
  }

  async staleOutbox(olderThan: number, limit: number): Promise<OutboxEntry[]> {
    return [...this.outbox]
      .filter(([, since]) => since < olderThan)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([key, since]) => {
        const [appID, channelID] = key.split('\u0000');
        return { appID, channelID, since };
      });
  }

  async touchOutbox(appID: string, channelID: string, now: number): Promise<void> {
    this.outbox.set(`${appID}\u0000${channelID}`, now);
  }

  async clearOutbox(entry: OutboxEntry): Promise<boolean> {
    const key = `${entry.appID}\u0000${entry.channelID}`;
    if (this.outbox.get(key) !== entry.since) return false;
    this.outbox.delete(key);
    return true;
  }

  /** Keeps offsets ≥ min(durable + 1, top - windowSize + 1), as the publish script does. */
  private trim(s: Stream): void {
    const keepFrom = Math.min(s.durable + 1, s.top - this.options.windowSize + 1);
    const drop = s.window.length - (s.top - keepFrom + 1);
    if (drop > 0) s.window.splice(0, drop);
  }

  async setGate(appID: string, channelID: string, gate: ChannelGate): Promise<void> {
    this.gates.set(`${appID}\u0000${channelID}`, { ...gate });
  }

  async dropStream(appID: string, channelID: string): Promise<void> {
    const key = `${appID}\u0000${channelID}`;
    const s = this.streams.get(key);
    if (s) this.dropped.add(`${key}\u0000${s.epoch}`);
    this.streams.delete(key);
  }

  async droppedStreams(streams: readonly StreamRef[]): Promise<boolean[]> {
    return streams.map((s) => this.dropped.has(`${s.appID}\u0000${s.channelID}\u0000${s.epoch}`));
  }

  async emitToChannel<E extends keyof ServerToClientEvents>(
    appID: string,
    channelID: string,
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
  ): Promise<void> {
    this.emitted.push({ appID, channelID, event, payload });
  }

  /** Simulates Redis losing the channel's stream state (the next use seeds a new epoch). */
  loseStreams(): void {
    this.streams.clear();
  }

  private async stream(appID: string, channelID: string): Promise<Stream> {
    const key = `${appID}\u0000${channelID}`;
    let s = this.streams.get(key);
    if (!s) {
      const seed = await this.source.seedPosition(appID, channelID);
      const top = seed.reseed ? seed.top + this.maxUncommitted : seed.top;
      s = { top, epoch: randomBytes(6).toString('hex'), window: [], durable: top, committed: [] };
      this.streams.set(key, s);
    }
    return s;
  }
}
