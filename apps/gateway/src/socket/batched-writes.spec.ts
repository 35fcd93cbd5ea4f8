import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { batchWebSocketWrites } from './batched-writes';
import { eventFrame } from './socket-io-transport';

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

/**
 * Sends `n` events to the socket in one tick — `emit` (engine.io's queue) or `broadcast` (to a room
 * it is in: one pre-encoded frame for all recipients) — and resolves with what the client got, in
 * order, and the server's write calls.
 */
async function burst(
  batched: boolean,
  n: number,
  how: 'emit' | 'binary' | 'broadcast',
  SocketIoServer: typeof Server = Server,
) {
  const { io, client, socket } = await start(batched, SocketIoServer);
  try {
    await socket.join('room');
    const raw = (socket.conn as unknown as { transport: { socket: { _socket: NetSocket } } }).transport.socket
      ._socket;
    const writes = countWrites(raw);
    const received: unknown[] = [];
    const all = new Promise<void>((r) =>
      client.onAny((_event: string, value: unknown) => {
        received.push(value);
        if (received.length === n) r();
      }),
    );
    for (let i = 0; i < n; i++) {
      if (how === 'emit') socket.emit('tick', i);
      else if (how === 'binary') socket.emit('tick', Buffer.from([i]));
      else io.to('room').emit('tick', i);
    }
    await all;
    return { received, calls: writes.calls };
  } finally {
    client.close();
    await io.close();
  }
}

const tenInOrder = [...Array(10).keys()];

describe('batched WebSocket writes', () => {
  it('writes the packets queued in engine.io behind a write in one call, in order', async () => {
    // Binary packets go through engine.io (two packets each: text and attachment). The first
    // emit's pair goes out at once; the 9 emitted while it was being written are one batch.
    const { received, calls } = await burst(true, 10, 'binary');
    expect(received.map((b) => (b as Buffer)[0])).toEqual(tenInOrder);
    expect(calls).toBe(2);
  });

  it("writes a tick's packets to one socket (emits, acknowledgements) in one call, in order", async () => {
    const { received, calls } = await burst(true, 10, 'emit');
    expect(received).toEqual(tenInOrder);
    expect(calls).toBe(1);
  });

  it('frames acknowledgements of every length itself, bypassing engine.io', async () => {
    const { io, client, socket } = await start(true, Server);
    try {
      const viaEngine: string[] = [];
      socket.conn.on('packetCreate', (p: { type: string }) => viaEngine.push(p.type));
      socket.on('echo', (n: number, ack: (v: unknown) => void) => ack({ n, big: 'x'.repeat(n) }));
      // Frame lengths of every size class: 7-bit, 16-bit and 64-bit payload lengths.
      const sizes = [1, 200, 70_000];
      const answers = await Promise.all(sizes.map((n) => client.emitWithAck('echo', n)));
      expect(answers.map((a: { n: number; big: string }) => [a.n, a.big.length])).toEqual(
        sizes.map((n) => [n, n]),
      );
      expect(viaEngine.filter((t) => t === 'message')).toEqual([]);
    } finally {
      client.close();
      await io.close();
    }
  });

  it("writes a tick's broadcasts to a connection in one call, in order", async () => {
    const { received, calls } = await burst(true, 10, 'broadcast');
    expect(received).toEqual(tenInOrder);
    expect(calls).toBe(1);
  });

  it('writes a broadcast marked as alone in its tick at once, the others when the tick ends', async () => {
    const { io, client, socket } = await start(true, Server);
    try {
      const raw = (socket.conn as unknown as { transport: { socket: { _socket: NetSocket } } }).transport
        .socket._socket;
      const writes = countWrites(raw);
      const received: unknown[] = [];
      const all = new Promise<void>((r) =>
        client.onAny((_event: string, value: unknown) => {
          if (received.push(value) === 3) r();
        }),
      );
      const write = (n: number, wsWriteNow?: boolean) =>
        (socket.client as unknown as { writeToEngine(e: unknown, o: object): void }).writeToEngine(
          [`2["event",${n}]`],
          { preEncoded: true, wsPreEncodedFrame: [eventFrame(Buffer.from(String(n)), 0, 1)], wsWriteNow },
        );
      write(1, true);
      expect(writes.calls).toBe(1);
      write(2);
      write(3);
      expect(writes.calls).toBe(1);
      await new Promise<void>((r) => process.nextTick(r));
      expect(writes.calls).toBe(2);
      await all;
      expect(received).toEqual([1, 2, 3]);
    } finally {
      client.close();
      await io.close();
    }
  });

  it('keeps the order of broadcasts, emits and packets queued in engine.io, mixed in one tick', async () => {
    const { io, client, socket } = await start(true, Server);
    try {
      await socket.join('room');
      const received: string[] = [];
      const all = new Promise<void>((r) =>
        client.onAny((event: string, value: number | Buffer) => {
          received.push(`${event}${Buffer.isBuffer(value) ? value[0] : value}`);
          if (received.length === 9) r();
        }),
      );
      // Binary packets go through engine.io: the first is written at once, the next ones wait in
      // its queue until that write completes — what comes after them must wait too.
      io.to('room').emit('b', 1);
      socket.emit('x', Buffer.from([2]));
      io.to('room').emit('b', 3);
      socket.emit('e', 4);
      socket.emit('x', Buffer.from([5]));
      io.to('room').emit('b', 6);
      socket.emit('e', 7);
      socket.emit('x', Buffer.from([8]));
      io.to('room').emit('b', 9);
      // Out of order, an attachment is taken for the wrong packet and some never arrive.
      await Promise.race([all, new Promise((r) => setTimeout(r, 2_000))]);
      expect(received).toEqual(['b1', 'x2', 'b3', 'e4', 'x5', 'b6', 'e7', 'x8', 'b9']);
    } finally {
      client.close();
      await io.close();
    }
  });

  it('delivers every broadcast and emit, in order, to clients upgrading from polling to WebSocket meanwhile', async () => {
    const http: HttpServer = createServer();
    const io = new Server(http);
    batchWebSocketWrites(io);
    io.on('connection', (s) => void s.join('room'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    let seq = 0;
    // Three broadcasts and an emit to each socket per tick, every millisecond, while clients
    // connect and upgrade: each client gets one sequence of numbers.
    const timer = setInterval(() => {
      for (let k = 0; k < 3; k++) io.to('room').emit('n', seq++);
      for (const s of io.of('/').sockets.values()) s.emit('n', seq);
      seq++;
    }, 1);
    const clients = Array.from({ length: 12 }, (_v, i) => {
      const c = connect(`http://127.0.0.1:${port}`, {
        transports: i % 4 === 0 ? ['websocket'] : ['polling', 'websocket'],
        forceNew: true,
      });
      const got: number[] = [];
      c.on('n', (n: number) => got.push(n));
      return { c, got };
    });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      clearInterval(timer);
      // Until every client has the last one (or 5 s).
      for (let t = 0; t < 250 && clients.some(({ got }) => got[got.length - 1] !== seq - 1); t++)
        await new Promise((r) => setTimeout(r, 20));
      for (const { c, got } of clients) {
        expect(c.io.engine.transport.name).toBe('websocket');
        expect(got.length).toBeGreaterThan(100);
        // From the first event it got, each client has every later one, once, in order.
        expect(got).toEqual(Array.from({ length: got.length }, (_v, k) => got[0] + k));
        expect(got[got.length - 1]).toBe(seq - 1);
      }
    } finally {
      clearInterval(timer);
      for (const { c } of clients) c.close();
      await io.close();
    }
  });

  it('is what makes the difference: engine.io alone writes each packet on its own', async () => {
    // socket.io and engine.io from a fresh module registry: classes not patched above.
    await jest.isolateModulesAsync(async () => {
      const fresh = (await import('socket.io')).Server;
      for (const how of ['emit', 'broadcast', 'binary'] as const) {
        const { received, calls } = await burst(false, 10, how, fresh);
        expect(received.map((v) => (how === 'binary' ? (v as Buffer)[0] : v))).toEqual(tenInOrder);
        expect(calls).toBeGreaterThanOrEqual(10);
      }
    });
  });
});
