import { type ChannelEvent, parseChannelRoom } from '@channels/contracts';
import {
  type ChannelFeed,
  NO_OCCUPANCY,
  type OccupancyTracker,
  roomBroadcastTemplate,
} from '@channels/realtime';
import type { Notice, ProtocolCodec, Session } from './session';

/** A subscribe's hold: the room's deliveries buffered for one session until its answer is sent. */
interface Holding {
  kind: 'hold';
  buffer: Delivery[];
}
/** After a release: the session skips channel events at or below `below` (see `release`). */
interface Trailing {
  kind: 'trail';
  below: number;
  timer: NodeJS.Timeout;
}
type HoldState = Holding | Trailing;

interface Room {
  readonly name: string;
  readonly members: Set<Session>;
  holds: Map<Session, HoldState> | undefined;
  template: { prefix: Buffer; suffix: Buffer } | undefined;
  /** Channel events written to its sessions since `takeDeliveries` last read them. */
  delivered: number;
}

/**
 * Something to deliver to a room's sessions: a channel event (its canonical JSON text, cut from the
 * message as published) or a notice. Its frames are encoded on first use, once per protocol.
 */
export class Delivery {
  private readonly frames = new Map<string, unknown>();
  private parsed: ChannelEvent | undefined;
  private offsetRead = false;
  private offsetValue: number | undefined;

  private constructor(
    readonly notice: Notice | undefined,
    private readonly text: Buffer | undefined,
    private readonly start: number,
    private readonly end: number,
    readonly except: readonly string[],
  ) {}

  static event(text: Buffer, start: number, end: number, parsed?: ChannelEvent): Delivery {
    const d = new Delivery(undefined, text, start, end, []);
    d.parsed = parsed;
    return d;
  }

  static notice(notice: Notice, except: readonly string[] = []): Delivery {
    return new Delivery(notice, undefined, 0, 0, except);
  }

  get isEvent(): boolean {
    return this.text !== undefined;
  }

  /** The event, parsed once (for codecs that need its fields). */
  event(): ChannelEvent {
    if (this.parsed === undefined) {
      if (!this.text) throw new Error('not an event');
      this.parsed = JSON.parse(this.text.toString('utf8', this.start, this.end)) as ChannelEvent;
    }
    return this.parsed;
  }

  /** A stored event's offset (undefined: a live-only event or a notice). */
  get offset(): number | undefined {
    if (!this.offsetRead) {
      this.offsetRead = true;
      this.offsetValue = this.text ? readOffset(this.text, this.start, this.end) : undefined;
    }
    return this.offsetValue;
  }

  /** This delivery's frame for `codec`'s protocol (undefined: the protocol has no message for it). */
  frame(codec: ProtocolCodec): unknown {
    if (this.frames.has(codec.protocol)) return this.frames.get(codec.protocol);
    const text = this.text;
    const frame = text
      ? codec.event(text, this.start, this.end, () => this.event())
      : codec.notice(this.notice as Notice);
    this.frames.set(codec.protocol, frame);
    return frame;
  }

  /** Whether `session` is excluded by the rooms in `except` (e.g. a client's own online_status). */
  excludes(session: Session): boolean {
    return (
      this.except.length > 0 &&
      (this.except.includes(session.clientRoom) || this.except.includes(session.appRoom))
    );
  }
}

// `,"offset":` cannot occur inside a JSON string of the layout's earlier fields (their quotes are
// escaped), so its first occurrence is the layout's own key (see `eventJson`).
const OFFSET_KEY = Buffer.from(',"offset":');
function readOffset(text: Buffer, start: number, end: number): number | undefined {
  const at = text.indexOf(OFFSET_KEY, start);
  if (at < 0 || at >= end) return undefined;
  let n = 0;
  let i = at + OFFSET_KEY.length;
  const first = i;
  for (; i < end; i++) {
    const c = text[i];
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return i > first ? n : undefined;
}

/** Byte `{`: a message in JSON. */
const JSON_OPEN = 0x7b;
const BROADCAST = 3;
/**
 * Longest a released session keeps skipping covered events. The event that can still arrive was
 * already in Redis' output buffer for this process when the answer was read, so it arrives within
 * moments; the bound only frees the entry of a room no later event comes to.
 */
const TRAIL_MS = 10_000;

/**
 * The gateway's rooms, whatever the transport of their sessions: one Redis subscription per channel
 * room (`ChannelFeed`) serves every local session of the channel, and nothing else subscribes
 * (clients and apps are indexed here in memory: nothing is published to them through Redis).
 *
 * - **Fan-out**: a message is decoded once (a channel event is cut out of the publish script's
 *   message as bytes, without parsing), encoded once per protocol on first use, and the loop only
 *   writes frames. The deliveries of one read from Redis are written together on the next tick:
 *   one alone is written at once (`now`), several let each transport batch its writes.
 * - **Readiness**: `join` resolves once the room's subscription is live, so an answer sent after
 *   it cannot miss an event published after it.
 * - **Holds**: while a subscribe reads its position or recovery window, the room's deliveries for
 *   that session are buffered, then returned by `release`; afterwards events the answer covered are
 *   skipped until a later one arrives — every event once, in offset order, no gap.
 */
export class ChannelHub {
  private readonly rooms = new Map<string, Room>();
  private readonly sessions = new Set<Session>();
  private readonly byClient = new Map<string, Set<Session>>();
  private readonly byApp = new Map<string, Set<Session>>();
  private readonly codecs = new Map<string, ProtocolCodec>();
  private pending: { room: Room; delivery: Delivery }[] = [];
  /** Deliveries of rooms dropped since `takeDeliveries` last read them, by room name. */
  private readonly droppedDeliveries = new Map<string, number>();

  constructor(
    private readonly feed: ChannelFeed,
    codecs: ProtocolCodec[],
    /** Called with the number of sessions channel events were written to (per read, not per session). */
    private readonly delivered: (count: number) => void = () => undefined,
    /** Told when a channel room gets its first member here and loses its last (occupancy webhooks). */
    private readonly occupancy: OccupancyTracker = NO_OCCUPANCY,
  ) {
    for (const c of codecs) this.codecs.set(c.protocol, c);
    feed.onMessage((room, message) => this.receive(room, message));
  }

  /** Adds a protocol's codec (a transport registers its own). */
  addCodec(codec: ProtocolCodec): void {
    this.codecs.set(codec.protocol, codec);
  }

  /** A new connection. */
  add(session: Session): void {
    this.sessions.add(session);
    addTo(this.byClient, session.clientRoom, session);
    addTo(this.byApp, session.appRoom, session);
  }

  /** A closed connection: it leaves every room it was in. */
  remove(session: Session): void {
    if (!this.sessions.delete(session)) return;
    removeFrom(this.byClient, session.clientRoom, session);
    removeFrom(this.byApp, session.appRoom, session);
  }

  /** Joins `room`; resolves once the room's subscription is live. */
  join(room: string, session: Session): Promise<void> {
    let r = this.rooms.get(room);
    if (!r) {
      r = { name: room, members: new Set(), holds: undefined, template: undefined, delivered: 0 };
      this.rooms.set(room, r);
    }
    const before = r.members.size;
    r.members.add(session);
    const subscribed = this.feed.subscribe(room);
    if (before !== 0 || r.members.size !== 1) return subscribed;
    // The first local subscriber: answered once this gateway counts as the channel's occupant too.
    const channel = parseChannelRoom(room);
    if (!channel) return subscribed;
    return Promise.all([subscribed, this.occupancy.occupied(channel.appID, channel.channelID)]).then(
      () => undefined,
    );
  }

  /** Leaves `room` (its subscription ends with its last local member). */
  leave(room: string, session: Session): void {
    const r = this.rooms.get(room);
    if (!r) return;
    if (r.members.delete(session) && r.members.size === 0) {
      const channel = parseChannelRoom(room);
      if (channel) this.occupancy.vacated(channel.appID, channel.channelID);
    }
    const state = r.holds?.get(session);
    if (state) this.dropHold(r, session, state);
    this.dropIfUnused(r);
  }

  /** Starts buffering `room`'s deliveries for `session` (see the class comment). */
  hold(room: string, session: Session): void {
    let r = this.rooms.get(room);
    if (!r) {
      r = { name: room, members: new Set(), holds: undefined, template: undefined, delivered: 0 };
      this.rooms.set(room, r);
    }
    const holds = (r.holds ??= new Map());
    const previous = holds.get(session);
    if (previous?.kind === 'trail') clearTimeout(previous.timer);
    holds.set(session, { kind: 'hold', buffer: [] });
  }

  /**
   * Ends the hold and returns what it buffered, in arrival order. With `coveredOffset` (the highest
   * offset the subscribe's answer covered), the session goes on skipping the room's events at or
   * below it until the first later one arrives (or `TRAIL_MS` passes): an event the answer already
   * carried can still be on its way from Redis when the answer is sent.
   */
  release(room: string, session: Session, coveredOffset?: number): Delivery[] {
    const r = this.rooms.get(room);
    const state = r?.holds?.get(session);
    if (!r || !state) return [];
    if (state.kind === 'trail') clearTimeout(state.timer);
    const buffered = state.kind === 'hold' ? state.buffer : [];
    if (coveredOffset === undefined || !r.members.has(session)) {
      this.dropHold(r, session, state);
      return buffered;
    }
    const trail: Trailing = {
      kind: 'trail',
      below: coveredOffset,
      timer: setTimeout(() => this.dropHold(r, session, trail), TRAIL_MS),
    };
    trail.timer.unref();
    r.holds?.set(session, trail);
    return buffered;
  }

  /** Writes `delivery` to one session (its frame for the session's protocol). */
  writeTo(session: Session, delivery: Delivery, now = true): boolean {
    const codec = this.codecs.get(session.transport.protocol);
    if (!codec || !session.connected) return false;
    const frame = delivery.frame(codec);
    if (frame === undefined) return false;
    session.transport.write(frame, now);
    return true;
  }

  /** Sends `notice` to every local session in `room`, encoded once per protocol. */
  notifyRoom(room: string, notice: Notice): void {
    const r = this.rooms.get(room);
    if (!r) return;
    const d = Delivery.notice(notice);
    for (const s of r.members) this.writeTo(s, d);
  }

  sessionsOfChannelRoom(room: string): Session[] {
    return [...(this.rooms.get(room)?.members ?? [])];
  }

  sessionsOfClient(clientRoom: string): Session[] {
    return [...(this.byClient.get(clientRoom) ?? [])];
  }

  sessionsOfApp(appRoom: string): Session[] {
    return [...(this.byApp.get(appRoom) ?? [])];
  }

  /** Every local session. */
  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Rooms and their local members (for the storage gauges); not to be changed. */
  roomMembers(): Iterable<[string, ReadonlySet<Session>]> {
    const rooms = this.rooms;
    return (function* () {
      for (const [name, r] of rooms) yield [name, r.members] as [string, ReadonlySet<Session>];
    })();
  }

  /**
   * Channel events written to sessions per room since the last call (one per event per session, as
   * the `delivered` callback counts them), rooms left since then included; resets the counts.
   */
  takeDeliveries(): Map<string, number> {
    const out = new Map(this.droppedDeliveries);
    this.droppedDeliveries.clear();
    for (const r of this.rooms.values()) {
      if (r.delivered === 0) continue;
      out.set(r.name, (out.get(r.name) ?? 0) + r.delivered);
      r.delivered = 0;
    }
    return out;
  }

  private dropHold(r: Room, session: Session, state: HoldState): void {
    if (r.holds?.get(session) !== state) return;
    if (state.kind === 'trail') clearTimeout(state.timer);
    r.holds.delete(session);
    if (r.holds.size === 0) r.holds = undefined;
    this.dropIfUnused(r);
  }

  /** A room with no member and no hold left is forgotten and its subscription ended. */
  private dropIfUnused(r: Room): void {
    if (r.members.size > 0 || r.holds || this.rooms.get(r.name) !== r) return;
    this.rooms.delete(r.name);
    if (r.delivered > 0)
      this.droppedDeliveries.set(r.name, (this.droppedDeliveries.get(r.name) ?? 0) + r.delivered);
    void this.feed.unsubscribe(r.name);
  }

  private receive(name: string, message: Buffer): void {
    const room = this.rooms.get(name);
    if (!room) return;
    const delivery = this.decode(room, message);
    if (!delivery) return;
    if (this.pending.push({ room, delivery }) === 1) process.nextTick(() => this.flush());
  }

  /** The message as published: a channel event in the publish script's layout, or a broadcast. */
  private decode(room: Room, message: Buffer): Delivery | undefined {
    if (message[0] !== JSON_OPEN) return undefined;
    let t = room.template;
    if (!t) {
      const { prefix, suffix } = roomBroadcastTemplate(room.name, 'event');
      t = room.template = { prefix: Buffer.from(prefix), suffix: Buffer.from(suffix) };
    }
    const end = message.length - t.suffix.length;
    if (
      end > t.prefix.length &&
      message.compare(t.prefix, 0, t.prefix.length, 0, t.prefix.length) === 0 &&
      message.compare(t.suffix, 0, t.suffix.length, end, message.length) === 0
    )
      return Delivery.event(message, t.prefix.length, end);
    let parsed: BroadcastMessage;
    try {
      parsed = JSON.parse(message.toString()) as BroadcastMessage;
    } catch {
      return undefined;
    }
    const data = parsed?.data?.packet?.data;
    if (parsed?.type !== BROADCAST || !Array.isArray(data) || typeof data[0] !== 'string') return undefined;
    const except = Array.isArray(parsed.data?.opts?.except) ? parsed.data.opts.except : [];
    if (data[0] === 'event') {
      const text = Buffer.from(JSON.stringify(data[1]));
      return Delivery.event(text, 0, text.length, data[1] as ChannelEvent);
    }
    return Delivery.notice({ name: data[0], payload: data[1] } as Notice, except);
  }

  private flush(): void {
    const list = this.pending;
    if (list.length === 0) return;
    this.pending = [];
    const now = list.length === 1;
    let count = 0;
    for (const { room, delivery } of list) {
      let written = 0;
      const holds = room.holds;
      for (const s of room.members) {
        if (holds) {
          const state = holds.get(s);
          if (state?.kind === 'hold') {
            if (!delivery.excludes(s)) state.buffer.push(delivery);
            continue;
          }
          if (state?.kind === 'trail' && delivery.isEvent) {
            const offset = delivery.offset;
            if (offset !== undefined && offset <= state.below) continue;
            if (offset !== undefined) this.dropHold(room, s, state);
          }
        }
        if (delivery.excludes(s)) continue;
        if (this.writeTo(s, delivery, now) && delivery.isEvent) written++;
      }
      room.delivered += written;
      count += written;
    }
    if (count > 0) this.delivered(count);
  }
}

interface BroadcastMessage {
  type?: number;
  data?: { opts?: { except?: string[] }; packet?: { data?: unknown[] } };
}

function addTo(index: Map<string, Set<Session>>, key: string, s: Session): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(s);
}

function removeFrom(index: Map<string, Set<Session>>, key: string, s: Session): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) index.delete(key);
}
