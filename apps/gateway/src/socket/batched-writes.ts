import type { Socket as NetSocket } from 'node:net';
import type { Server, Socket } from 'socket.io';

/** What this module touches of engine.io's WebSocket transport (engine.io 6). */
interface WebSocketTransport {
  name: string;
  perMessageDeflate?: unknown;
  send(packets: unknown[]): void;
  /** The `ws` WebSocket; `_socket` is its TCP connection. */
  socket?: WsSocket;
}

interface WsSocket {
  readyState: number;
  _socket?: CorkableSocket | null;
  _sender?: WsSender;
}

interface WsSender {
  _state?: number;
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
  /** Its class: `ws`'s `Sender`, whose static `frame` builds a frame's header and payload. */
  constructor: { frame?(data: Buffer, options: FrameOptions): Buffer[] };
}
interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
/** A server's text frame: final, not compressed, not masked. */
const TEXT_FRAME: FrameOptions = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false };
/** engine.io's packet type of a `message` (what carries every socket.io packet). */
const ENGINE_MESSAGE = '4';

/** An engine.io connection (engine.io 6 `Socket`). */
interface EngineConnection {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport: WebSocketTransport;
}

/** socket.io's per-connection `Client` and the options of a broadcast's packets. */
interface SocketIoClient {
  conn: EngineConnection;
  writeToEngine(encodedPackets: unknown, opts: PacketOptions): void;
}
interface PacketOptions {
  volatile?: boolean;
  /** The broadcast's WebSocket frame, encoded once for all its recipients. */
  wsPreEncodedFrame?: Buffer[];
  /** Write the frame at once instead of corking the connection until the tick ends (see 1.). */
  wsWriteNow?: boolean;
}

const CORKED = Symbol('channels.corkedUntilNextTick');
type CorkableSocket = NetSocket & { [CORKED]?: boolean };

const PATCHED = Symbol.for('channels.batchedWebSocketWrites');
const WS_OPEN = 1;
/** `ws`'s sender state in which frames are written as they come (nothing queued in it). */
const WS_SENDER_DEFAULT = 0;

/**
 * Fewer system calls and less bookkeeping per delivery, on every WebSocket connection of `io`.
 *
 * 1. **Frames written straight to the connection, one write per connection per tick.**
 *    A channel event reaches a gateway as one broadcast to every local subscriber, encoded once
 *    as a WebSocket frame. engine.io would then, per subscriber, create a packet, queue it, flush
 *    the queue, mark the transport busy, and after the write emit `drain` and `ready` and flush
 *    again — most of a delivery's JavaScript. When nothing is queued in engine.io for the
 *    connection, the frame is handed to `ws` directly instead, with the connection corked until
 *    the end of the current tick: all the frames a connection gets from one read from Redis (one
 *    or many events) leave in one system call, as soon as the loop that delivers them is done.
 *    A broadcast that knows it is the only one of its tick (`wsWriteNow`, set by the channel
 *    adapter when one read from Redis held one event) is written at once instead: nothing would
 *    join it, and the first subscribers' bytes leave while the others are still being written.
 *    A packet for one connection (an acknowledgement, an emit to one socket) takes the same way,
 *    framed here as `ws` would frame it. Order is kept: a connection with packets waiting in
 *    engine.io goes through engine.io, and packets written after a direct frame go to the same
 *    corked connection behind it.
 * 2. **engine.io's own batches in one `writev`.** While a connection's previous engine.io write
 *    has not completed, engine.io queues what is sent to it and hands the batch to the transport,
 *    which wrote each frame with its own `socket.write`; the connection is corked around it.
 *
 * Neither changes what is sent: same bytes, same order. socket.io does not export the classes
 * involved, so the first connection seen has its classes patched, once per process.
 */
export function batchWebSocketWrites(io: Server): void {
  const engine = io.engine;
  const onTransport = (transport: WebSocketTransport): boolean => {
    if (transport.name !== 'websocket') return false;
    patchTransportClass(Object.getPrototypeOf(transport) as WebSocketTransport & { [PATCHED]?: true });
    engine.off('connection', onConnection);
    return true;
  };
  const onConnection = (socket: {
    transport: WebSocketTransport;
    once(event: 'upgrade', listener: (t: WebSocketTransport) => void): void;
  }) => {
    if (!onTransport(socket.transport)) socket.once('upgrade', onTransport);
  };
  engine.on('connection', onConnection);
  io.once('connection', (socket: Socket) =>
    patchClientClass(Object.getPrototypeOf(socket.client) as SocketIoClient & { [PATCHED]?: true }),
  );
}

function patchTransportClass(proto: WebSocketTransport & { [PATCHED]?: true }): void {
  if (proto[PATCHED] || typeof proto.send !== 'function') return;
  const send = proto.send;
  proto.send = function (this: WebSocketTransport, packets: unknown[]): void {
    const raw = this.socket?._socket;
    if (packets.length < 2 || !raw || typeof raw.cork !== 'function') return send.call(this, packets);
    raw.cork();
    try {
      send.call(this, packets);
    } finally {
      raw.uncork();
    }
  };
  proto[PATCHED] = true;
}

function patchClientClass(proto: SocketIoClient & { [PATCHED]?: true }): void {
  if (proto[PATCHED] || typeof proto.writeToEngine !== 'function') return;
  const writeToEngine = proto.writeToEngine;
  proto.writeToEngine = function (this: SocketIoClient, encodedPackets: unknown, opts: PacketOptions): void {
    const frame = opts.wsPreEncodedFrame;
    // A broadcast's shared frame, or one text packet (socket.io's encoder answers a list).
    const text =
      frame === undefined &&
      Array.isArray(encodedPackets) &&
      encodedPackets.length === 1 &&
      typeof encodedPackets[0] === 'string'
        ? (encodedPackets[0] as string)
        : undefined;
    if ((frame !== undefined || text !== undefined) && opts.volatile !== true) {
      const conn = this.conn;
      const transport = conn.transport;
      const ws = transport.socket;
      const raw = ws?._socket;
      const sender = ws?._sender;
      if (
        conn.readyState === 'open' &&
        !conn.upgrading &&
        conn.writeBuffer.length === 0 &&
        transport.name === 'websocket' &&
        !transport.perMessageDeflate &&
        ws?.readyState === WS_OPEN &&
        raw &&
        sender &&
        (sender._state === undefined || sender._state === WS_SENDER_DEFAULT)
      ) {
        const toSend = frame ?? textFrame(sender, text as string);
        if (toSend !== undefined) {
          if (opts.wsWriteNow !== true) corkUntilNextTick(raw);
          sender.sendFrame(toSend);
          return;
        }
      }
    }
    writeToEngine.call(this, encodedPackets, opts);
  };
  proto[PATCHED] = true;
}

/** The WebSocket frame of an engine.io message carrying `packet`, as one buffer (one plain write). */
function textFrame(sender: WsSender, packet: string): Buffer[] | undefined {
  const Sender = sender.constructor;
  if (typeof Sender.frame !== 'function') return undefined;
  const parts = Sender.frame(Buffer.from(ENGINE_MESSAGE + packet), TEXT_FRAME);
  return parts.length === 1 ? parts : [Buffer.concat(parts)];
}

/**
 * Writes a complete server frame (header and payload, built once for many connections) straight to
 * a `ws` WebSocket's TCP connection, corked until the tick ends unless `now`. Returns false — and
 * writes nothing — when the sender is busy (compressing, or with frames queued) or the socket is
 * not open: the caller then sends through `ws` as usual, behind what is queued.
 */
export function writeFrame(ws: unknown, frame: Buffer, now: boolean): boolean {
  const w = ws as WsSocket;
  const raw = w._socket;
  const sender = w._sender;
  if (w.readyState !== WS_OPEN || !raw || !sender) return false;
  if (sender._state !== undefined && sender._state !== WS_SENDER_DEFAULT) return false;
  if (!now) corkUntilNextTick(raw);
  sender.sendFrame([frame]);
  return true;
}

/** Connections corked in this tick, uncorked together when it ends. */
let corked: CorkableSocket[] = [];

/** Corks `raw` until the current tick ends (once per tick whatever the number of calls). */
export function corkUntilNextTick(raw: CorkableSocket): void {
  if (raw[CORKED] === true) return;
  raw.cork();
  raw[CORKED] = true;
  if (corked.push(raw) === 1) process.nextTick(uncorkAll);
}

function uncorkAll(): void {
  const list = corked;
  corked = [];
  for (const raw of list) {
    raw[CORKED] = false;
    raw.uncork();
  }
}
