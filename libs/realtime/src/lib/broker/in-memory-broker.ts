import { randomBytes, randomUUID } from 'node:crypto';
import { type ChannelEvent, eventText, type ServerToClientEvents } from '@channels/contracts';
import type {
  Broker,
  ChannelGate,
  PublishCommand,
  PublishOutcome,
  StreamSource,
  WindowRead,
  WindowTextRead,
} from './broker.port';

interface Stream {
  top: number;
  epoch: string;
  window: ChannelEvent[];
  /** The last stored event's timestamp: stored timestamps never go backwards (as in Redis). */
  lastTimestamp?: number;
}

/** In-process broker with the same semantics as `RedisBroker`, for unit tests. */
export class InMemoryBroker implements Broker {
  private readonly gates = new Map<string, ChannelGate>();
  private readonly streams = new Map<string, Stream>();
  private readonly ids = new Map<string, { event: ChannelEvent; until: number }>();
  /** Everything fanned out, in order (events and server emits). */
  readonly emitted: { appID: string; channelID: string; event: string; payload: unknown }[] = [];

  constructor(
    private readonly source: StreamSource,
    private readonly options: { windowSize: number; idempotencyTtlSeconds: number },
  ) {}

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
    const stream = await this.stream(cmd.appID, cmd.channelID);
    stream.top += 1;
    const timestamp = Math.max(base.timestamp, stream.lastTimestamp ?? 0);
    stream.lastTimestamp = timestamp;
    const event: ChannelEvent = { ...base, offset: stream.top, epoch: stream.epoch, timestamp };
    stream.window.push(event);
    if (stream.window.length > this.options.windowSize) stream.window.shift();
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

  async position(appID: string, channelID: string): Promise<{ top: number; epoch: string }> {
    const s = await this.stream(appID, channelID);
    return { top: s.top, epoch: s.epoch };
  }

  async setGate(appID: string, channelID: string, gate: ChannelGate): Promise<void> {
    this.gates.set(`${appID}\u0000${channelID}`, { ...gate });
  }

  async dropStream(appID: string, channelID: string): Promise<void> {
    this.streams.delete(`${appID}\u0000${channelID}`);
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
      s = {
        top: await this.source.storedTop(appID, channelID),
        epoch: randomBytes(6).toString('hex'),
        window: [],
      };
      this.streams.set(key, s);
    }
    return s;
  }
}
