import { roomBroadcastTemplate } from '@channels/realtime';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisClientType } from 'redis';
import type { Namespace } from 'socket.io';

/** What the gateway needs from the adapter instance beyond socket.io's own API. */
export interface ChannelAdapterControls {
  /** Resolves once this gateway's Redis subscription for `room` is live (events published after it arrive). */
  roomReady(room: string): Promise<void>;
  /**
   * Starts holding `room`'s broadcasts for one socket: they are buffered instead of written, until
   * `release` returns them (in arrival order) so the caller can merge them after a recovery read.
   */
  hold(room: string, socketId: string): void;
  /**
   * Ends the hold and returns what it buffered. With `coveredOffset` (the highest offset the
   * subscribe's answer covered), the socket goes on skipping the room's channel events at or below
   * it until the first later one arrives (or `TRAIL_MS` passes): an event the answer already
   * carried can still be on its way from Redis on the subscriber connection when the answer is
   * sent, and must not be delivered a second time.
   */
  release(room: string, socketId: string, coveredOffset?: number): unknown[][];
}

/** A subscribe's hold: the room's broadcasts buffered for one socket. */
interface Holding {
  kind: 'hold';
  buffer: unknown[][];
}
/** After a release: the socket skips channel events at or below `below` (see `release`). */
interface Trailing {
  kind: 'trail';
  below: number;
  timer: NodeJS.Timeout;
}
type HoldState = Holding | Trailing;

/**
 * Longest a released socket keeps skipping covered events. The event that can still arrive was
 * already in Redis' output buffer for this gateway when the answer was read, so it arrives within
 * moments; the bound only frees the entry of a room no later event comes to.
 */
const TRAIL_MS = 10_000;

/** The offset of a stored channel event's packet (`['event', {offset, …}]`), else undefined. */
function eventOffset(data: unknown[]): number | undefined {
  if (data[0] !== 'event') return undefined;
  const offset = (data[1] as { offset?: unknown } | undefined)?.offset;
  return typeof offset === 'number' ? offset : undefined;
}

type RawHandler = (message: Buffer, channel: Buffer) => void;
interface ShardedAdapterInternals {
  uid: string;
  sids: Map<string, Set<string>>;
  rooms: Map<string, Set<string>>;
  dynamicChannel(room: string): string;
  onRawMessage(message: Buffer, channel: Buffer): void;
  onMessage(message: AdapterMessage, offset?: string): void;
  on(event: string, listener: (room: string) => void): void;
  removeAllListeners(event: string): void;
  _encode(packet: unknown, packetOpts: { wsPreEncodedFrame?: Buffer[] }): unknown[];
  controls?: ChannelAdapterControls;
}
interface AdapterMessage {
  uid?: string;
  nsp?: string;
  type: number;
  data?: { opts?: { rooms?: string[]; except?: string[] }; packet?: { data?: unknown[] } };
}

const BROADCAST = 3;
/** What precedes a channel event in its WebSocket frame: engine.io `message`, socket.io `EVENT`, the name. */
const EVENT_FRAME_OPEN = Buffer.from('42["event",');
const EVENT_FRAME_CLOSE = 0x5d; // ']'
/** Byte `{`: adapter messages in JSON (the other encoding is MessagePack). */
const JSON_OPEN = 0x7b;
/** Templates kept for rooms whose channel events arrived (cleared when past this many). */
const TEMPLATES_MAX = 100_000;

interface PendingEvent {
  members: Set<string>;
  encoded: string[];
  opts: { preEncoded: true; wsPreEncodedFrame: Buffer[]; wsWriteNow?: boolean };
}

interface SocketWithClient {
  client: { writeToEngine(encodedPackets: unknown, opts: object): void };
}

/**
 * `@socket.io/redis-adapter` in sharded mode (Redis 7 SSUBSCRIBE, dynamic subscription per room: a
 * gateway receives only the rooms its own sockets are in), with two additions the protocol needs:
 *  - subscription readiness: the adapter subscribes to a room's shard channel when the first local
 *    socket joins, without telling when it is live; here the subscribe promise is kept per room so
 *    a subscribe is acknowledged only once events published after it are sure to arrive;
 *  - per-socket holds: while a subscribe reads its recovery window, live broadcasts for that socket
 *    are buffered (and excluded from the normal write), then merged by offset — no gap, no duplicate.
 *  - one buffer per pre-encoded frame: socket.io encodes a broadcast's WebSocket frame once, as a
 *    header and a payload, which `ws` writes to each connection with two writes under a cork;
 *    joined once per broadcast, each connection gets a single plain write.
 *  - channel events framed without decoding: the publish script sends each event as the adapter's
 *    JSON message around the event's stored text (`roomBroadcastTemplate`); a message that is
 *    exactly that template for its room has the event's bytes cut out and framed for the room's
 *    sockets as they are, instead of the whole message being parsed and the event serialized
 *    again. Anything else (other events, exceptions, held rooms) takes the adapter's own path.
 *    The events of one read from Redis are written when the read is parsed: one alone is written
 *    to each connection at once (`wsWriteNow`), several are grouped per connection by the corked
 *    writes of `batchWebSocketWrites`.
 *  - delivery counting: `delivered(n)` is called with the number of local subscribers a channel
 *    event (`event` packet) was written to — once per read from Redis on the direct path (the sum
 *    of its events' room sizes), once per broadcast on the adapter's own path — never per socket.
 *    Events a hold buffered are not counted here (the subscribe that releases them counts them).
 * Relies on the adapter's `onMessage`, `onRawMessage` and `dynamicChannel` (pinned version 8.3.0).
 */
export function createChannelAdapter(
  pub: RedisClientType,
  sub: RedisClientType,
  channelPrefix: string,
  delivered: (count: number) => void = () => undefined,
) {
  const base = createShardedAdapter(pub, sub, { channelPrefix, subscriptionMode: 'dynamic' });
  return function (nsp: Namespace) {
    const adapter = base(nsp) as unknown as ShardedAdapterInternals;
    const ready = new Map<string, Promise<void>>();
    const holds = new Map<string, Map<string, HoldState>>();
    const roomChannelStart = adapter.dynamicChannel('').slice(0, -1);
    const templates = new Map<string, { prefix: Buffer; suffix: Buffer }>();

    /** Channel events of the current read from Redis, written once the read is parsed. */
    let pending: PendingEvent[] = [];
    /** Queues `message` for `flush` if it is a plain channel event for a room; false: not one of those. */
    // A room with holds or trailing skips takes the adapter's decoding path (see `onMessage`).
    const queueChannelEvent = (message: Buffer, channel: Buffer): boolean => {
      if (message[0] !== JSON_OPEN) return false;
      const name = channel.toString();
      if (!name.startsWith(roomChannelStart) || !name.endsWith('#')) return false;
      const room = name.slice(roomChannelStart.length, -1);
      if (holds.has(room)) return false;
      let t = templates.get(room);
      if (!t) {
        const { prefix, suffix } = roomBroadcastTemplate(room, 'event');
        t = { prefix: Buffer.from(prefix), suffix: Buffer.from(suffix) };
        if (templates.size >= TEMPLATES_MAX) templates.clear();
        templates.set(room, t);
      }
      const { prefix, suffix } = t;
      const end = message.length - suffix.length;
      if (
        end <= prefix.length ||
        message.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0 ||
        message.compare(suffix, 0, suffix.length, end, message.length) !== 0
      )
        return false;
      const members = adapter.rooms.get(room);
      if (!members || members.size === 0) return true;
      const frame = eventFrame(message, prefix.length, end);
      // socket.io's packet text (the frame's payload after engine.io's `4`), for a connection
      // that is not written directly (e.g. long-polling).
      const payloadLength = EVENT_FRAME_OPEN.length + (end - prefix.length) + 1;
      const encoded = [frame.toString('utf8', frame.length - payloadLength + 1)];
      if (pending.push({ members, encoded, opts: { preEncoded: true, wsPreEncodedFrame: [frame] } }) === 1)
        process.nextTick(flush);
      return true;
    };
    const flush = () => {
      const list = pending;
      if (list.length === 0) return;
      pending = [];
      // Alone in its read: written to each connection at once, nothing would join it. Several:
      // each connection stays corked until the tick ends, so its frames leave in one write.
      if (list.length === 1) list[0].opts.wsWriteNow = true;
      const sockets = nsp.sockets as unknown as Map<string, SocketWithClient>;
      let count = 0;
      for (const { members, encoded, opts } of list) {
        count += members.size;
        for (const id of members) sockets.get(id)?.client.writeToEngine(encoded, opts);
      }
      delivered(count);
    };
    const handler: RawHandler = (message, channel) => {
      if (queueChannelEvent(message, channel)) return;
      flush(); // what came before it in the read is written before it
      adapter.onRawMessage(message, channel);
    };
    const isPublic = (room: string) => !adapter.sids.has(room);

    adapter.removeAllListeners('create-room');
    adapter.removeAllListeners('delete-room');
    adapter.on('create-room', (room) => {
      if (!isPublic(room)) return;
      const p = sub.sSubscribe(adapter.dynamicChannel(room), handler as never, true).then(() => undefined);
      p.catch(() => ready.delete(room));
      ready.set(room, p);
    });
    adapter.on('delete-room', (room) => {
      templates.delete(room);
      if (!ready.has(room)) return;
      ready.delete(room);
      void sub.sUnsubscribe(adapter.dynamicChannel(room)).catch(() => undefined);
    });

    const encode = adapter._encode.bind(adapter);
    adapter._encode = (packet, packetOpts) => {
      const encoded = encode(packet, packetOpts);
      const frame = packetOpts.wsPreEncodedFrame;
      if (frame?.length === 2) packetOpts.wsPreEncodedFrame = [Buffer.concat(frame)];
      return encoded;
    };

    /** Local recipients of a channel event broadcast the adapter writes itself (not held, not excluded). */
    const recipients = (message: AdapterMessage): number => {
      const opts = message.data?.opts;
      if (message.type !== BROADCAST || message.data?.packet?.data?.[0] !== 'event') return 0;
      // What the adapter ignores: its own messages (already written when sent), other namespaces.
      if (message.uid === adapter.uid || message.nsp !== nsp.name) return 0;
      if (opts?.rooms?.length !== 1) return 0;
      const members = adapter.rooms.get(opts.rooms[0]);
      if (!members) return 0;
      const except = opts.except ?? [];
      if (except.length === 0) return members.size;
      let count = 0;
      for (const id of members) {
        const socketRooms = adapter.sids.get(id);
        if (!except.some((r) => socketRooms?.has(r))) count++;
      }
      return count;
    };

    const onMessage = adapter.onMessage.bind(adapter);
    adapter.onMessage = (message: AdapterMessage, offset?: string) => {
      const rooms = message.data?.opts?.rooms;
      if (message.type === BROADCAST && holds.size > 0 && rooms?.length === 1) {
        const held = holds.get(rooms[0]);
        if (held && held.size > 0 && message.data?.opts && message.data.packet?.data) {
          const except = message.data.opts.except ?? [];
          const data = message.data.packet.data;
          const skip: string[] = [];
          for (const [socketId, state] of held) {
            if (state.kind === 'hold') {
              // A socket the message excludes (e.g. a client's own online_status) gets nothing later either.
              const socketRooms = adapter.sids.get(socketId);
              if (!except.some((r) => socketRooms?.has(r))) state.buffer.push(data);
              skip.push(socketId);
              continue;
            }
            const offset = eventOffset(data);
            if (offset === undefined) continue;
            if (offset <= state.below) skip.push(socketId);
            else endTrail(rooms[0], socketId, state);
          }
          if (skip.length > 0) message.data.opts.except = [...except, ...skip];
        }
      }
      const count = recipients(message);
      onMessage(message, offset);
      if (count > 0) delivered(count);
    };

    adapter.controls = {
      roomReady: (room) => ready.get(room) ?? Promise.resolve(),
      hold(room, socketId) {
        let held = holds.get(room);
        if (!held) holds.set(room, (held = new Map()));
        const previous = held.get(socketId);
        if (previous?.kind === 'trail') clearTimeout(previous.timer);
        held.set(socketId, { kind: 'hold', buffer: [] });
      },
      release(room, socketId, coveredOffset) {
        const held = holds.get(room);
        const state = held?.get(socketId);
        if (!held || !state) return [];
        if (state.kind === 'trail') clearTimeout(state.timer);
        const buffered = state.kind === 'hold' ? state.buffer : [];
        if (coveredOffset === undefined) {
          held.delete(socketId);
          if (held.size === 0) holds.delete(room);
          return buffered;
        }
        const trail: Trailing = {
          kind: 'trail',
          below: coveredOffset,
          timer: setTimeout(() => endTrail(room, socketId, trail), TRAIL_MS),
        };
        trail.timer.unref();
        held.set(socketId, trail);
        return buffered;
      },
    };
    /** Ends `state` if it is still the socket's entry for `room`. */
    function endTrail(room: string, socketId: string, state: Trailing): void {
      const held = holds.get(room);
      if (held?.get(socketId) !== state) return;
      clearTimeout(state.timer);
      held.delete(socketId);
      if (held.size === 0) holds.delete(room);
    }
    return adapter;
  };
}

/**
 * The WebSocket frame (RFC 6455 §5.2: final, text, unmasked as from a server) of the socket.io
 * packet `42["event",<message[from, to)>]`, in one buffer.
 */
export function eventFrame(message: Buffer, from: number, to: number): Buffer {
  const length = EVENT_FRAME_OPEN.length + (to - from) + 1;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  EVENT_FRAME_OPEN.copy(frame, headerLength);
  message.copy(frame, headerLength + EVENT_FRAME_OPEN.length, from, to);
  frame[frame.length - 1] = EVENT_FRAME_CLOSE;
  return frame;
}

/** The controls of the adapter socket.io created for a namespace. */
export function adapterControls(nsp: Namespace): ChannelAdapterControls {
  const controls = (nsp.adapter as unknown as ShardedAdapterInternals).controls;
  if (!controls) throw new Error('namespace adapter is not the channel adapter');
  return controls;
}
