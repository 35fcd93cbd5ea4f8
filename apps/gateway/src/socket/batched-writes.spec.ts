import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { batchWebSocketWrites } from './batched-writes';

/** Counts the calls that reach the TCP socket's write path (one system call each). */
function countWrites(raw: NetSocket): { calls: number } {
  const counter = { calls: 0 };
  const internals = raw as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
  for (const method of ['_write', '_writev'] as const) {
    const original = internals[method].bind(raw);
    internals[method] = (...a: unknown[]) => {
      counter.calls++;
      return original(...a);
    };
  }
  return counter;
}

async function start(batched: boolean, SocketIoServer: typeof Server) {
  const http: HttpServer = createServer();
  const io = new SocketIoServer(http, { transports: ['websocket'] });
  if (batched) batchWebSocketWrites(io);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  const arrived = new Promise<Socket>((r) => io.once('connection', r));
  const client: ClientSocket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  const socket = await arrived;
  await new Promise<void>((r) => (client.connected ? r() : client.once('connect', () => r())));
  return { io, client, socket };
}

/** Emits `n` events to the socket in one tick; resolves with the client's events and the server's writes. */
async function burst(batched: boolean, n: number, SocketIoServer: typeof Server = Server) {
  const { io, client, socket } = await start(batched, SocketIoServer);
  try {
    const raw = (socket.conn as unknown as { transport: { socket: { _socket: NetSocket } } }).transport.socket
      ._socket;
    const writes = countWrites(raw);
    const received: number[] = [];
    const all = new Promise<void>((r) =>
      client.on('tick', (i: number) => {
        received.push(i);
        if (received.length === n) r();
      }),
    );
    for (let i = 0; i < n; i++) socket.emit('tick', i);
    await all;
    return { received, calls: writes.calls };
  } finally {
    client.close();
    await io.close();
  }
}

describe('batched WebSocket writes', () => {
  it('writes the packets queued behind a write in one call, in order', async () => {
    // The first packet goes out at once; the 9 emitted while it was being written are one batch.
    const { received, calls } = await burst(true, 10);
    expect(received).toEqual([...Array(10).keys()]);
    expect(calls).toBe(2);
  });

  it('is what makes the difference: engine.io alone writes each queued packet on its own', async () => {
    // socket.io and engine.io from a fresh module registry: a transport class not patched above.
    await jest.isolateModulesAsync(async () => {
      const fresh = (await import('socket.io')).Server;
      const { received, calls } = await burst(false, 10, fresh);
      expect(received).toEqual([...Array(10).keys()]);
      expect(calls).toBeGreaterThanOrEqual(10);
    });
  });
});
