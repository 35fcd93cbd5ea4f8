import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/** What this module touches of engine.io's WebSocket transport (engine.io 6). */
interface WebSocketTransport {
  name: string;
  send(packets: unknown[]): void;
  /** The `ws` WebSocket; `_socket` is its TCP connection. */
  socket?: { _socket?: NetSocket };
}

const PATCHED = Symbol.for('channels.batchedWebSocketWrites');

/**
 * One system call per batch of packets instead of one per packet, on every WebSocket connection of
 * `io`.
 *
 * While a connection's previous write has not completed, engine.io queues the packets sent to it
 * and hands them to the transport together; its WebSocket transport then writes each frame with
 * its own `socket.write` — a `write(2)` each on an uncorked TCP socket. Under fan-out load (several
 * channel events reaching the gateway in one read from Redis, each delivered to every subscriber)
 * those batches are the norm, and the system calls are most of what a delivery costs. Corking the
 * connection around the batch sends the frames in one `writev(2)`: same bytes, same order, same
 * moment (the uncork is synchronous), fewer calls.
 *
 * The transport class is not exported by socket.io, so the first WebSocket transport seen (a
 * connection made over WebSocket, or a polling connection upgraded) has its class patched — once
 * per process; later servers find it done.
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
