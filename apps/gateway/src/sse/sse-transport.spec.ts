import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { ChannelEvent } from '@channels/contracts';
import { sseCodec, type SseFrame, SseTransport } from './sse-transport';
import { decodePosition } from './stream-position';

/** Opens a stream the way the controller does: headers and `retry:` first, then the transport. */
function openStream(res: ServerResponse, channels: string[]): SseTransport {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
  res.on('error', () => undefined);
  res.write('retry: 1000\n\n');
  return new SseTransport(
    res,
    channels,
    channels.map(() => undefined),
  );
}

const stored = (offset: number, channelID = 'news'): ChannelEvent => ({
  id: `e${offset}`,
  channelID,
  offset,
  epoch: 'a1b2c3d4e5f6',
  eventType: 'msg',
  payload: { n: offset },
  senderID: 'alice',
  timestamp: 1_700_000_000_000,
});

/** The frame the fan-out shares between every stream, as the hub gets it from the codec. */
function frameOf(e: ChannelEvent): SseFrame {
  const text = Buffer.from(JSON.stringify(e));
  return sseCodec.event(text, 0, text.length, () => e);
}

/** Counts the calls that reach the TCP socket's write path (one system call each). */
function countWrites(raw: Socket): { calls: number } {
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

interface Message {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** SSE messages of a body (lines ending in `\n`, messages in a blank line). */
function messagesOf(body: string): Message[] {
  return body
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const m: Message = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) m.comment = line.slice(1).trim();
        else {
          const at = line.indexOf(': ');
          const field = line.slice(0, at) as keyof Message;
          if (field === 'id' || field === 'event' || field === 'data') m[field] = line.slice(at + 2);
        }
      }
      return m;
    });
}

describe('SseTransport', () => {
  let server: Server;
  let port: number;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;

  beforeEach(async () => {
    server = createServer((req, res) => handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** Opens `n` streams over HTTP/1.1 (Node's client parser checks the chunked coding). */
  async function streams(n: number, channels: string[][]) {
    const transports: SseTransport[] = [];
    const sockets: Socket[] = [];
    const bodies: { text: string; ended: Promise<void> }[] = [];
    const opened = new Promise<void>((resolve) => {
      handle = (_req, res) => {
        transports.push(openStream(res, channels[transports.length]));
        sockets.push(res.socket as Socket);
        if (transports.length === n) resolve();
      };
    });
    for (let i = 0; i < n; i++) {
      const body = { text: '', ended: Promise.resolve() };
      body.ended = new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: `/sse?i=${i}`, agent: false }, (res) => {
          expect(res.headers['transfer-encoding']).toBe('chunked');
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body.text += d));
          res.on('end', resolve);
          res.on('error', reject);
        }).on('error', reject);
      });
      bodies.push(body);
      // One at a time, so that transports[i] is bodies[i]'s.
      await new Promise<void>((r) => {
        const wait = () => (transports.length > i ? r() : setTimeout(wait, 5));
        wait();
      });
    }
    await opened;
    return { transports, sockets, bodies };
  }

  it('writes a stored event as one chunk, its id line shared by every stream of the channel alone', async () => {
    const { transports, bodies } = await streams(3, [['news'], ['news'], ['news', 'sports']]);
    const frame = frameOf(stored(42));
    for (const t of transports) t.write(frame, true);
    const live = frameOf({ ...stored(0), offset: undefined, epoch: undefined });
    for (const t of transports) t.write(live, true);
    transports[0].heartbeat();
    transports[2].sendWithId('ready', { ok: true });
    for (const t of transports) t.close('reconnect');
    await Promise.all(bodies.map((b) => b.ended));

    const [a, b, c] = bodies.map((x) => messagesOf(x.text));
    expect(a.map((m) => m.event ?? m.comment)).toEqual([undefined, 'event', 'event', 'hb']);
    expect(a[1].id).toBeDefined();
    expect(decodePosition(a[1].id as string, 1)).toEqual([{ offset: 42, epoch: 'a1b2c3d4e5f6' }]);
    expect(JSON.parse(a[1].data as string)).toEqual(stored(42));
    expect(a[2].id).toBeUndefined(); // live-only: no id
    expect(b.slice(0, 3)).toEqual(a.slice(0, 3));
    // A stream of two channels: its position in both, the other one still unknown.
    expect(decodePosition(c[1].id as string, 2)).toEqual([{ offset: 42, epoch: 'a1b2c3d4e5f6' }, undefined]);
    expect(c[3]).toMatchObject({ event: 'ready', id: c[1].id, data: '{"ok":true}' });
  });

  it('writes what one tick delivers to a stream in one system call, nothing after its end', async () => {
    const { transports, sockets, bodies } = await streams(1, [['news']]);
    const writes = countWrites(sockets[0]);
    for (let i = 1; i <= 20; i++) transports[0].write(frameOf(stored(i)), false);
    expect(writes.calls).toBe(0); // corked until the tick ends
    await new Promise((r) => setImmediate(r));
    expect(writes.calls).toBe(1);
    transports[0].close('reconnect');
    expect(transports[0].open).toBe(false);
    transports[0].write(frameOf(stored(21)), true);
    transports[0].heartbeat();
    await bodies[0].ended;
    const got = messagesOf(bodies[0].text).filter((m) => m.event === 'event');
    expect(got.map((m) => JSON.parse(m.data as string).offset)).toEqual(
      Array.from({ length: 20 }, (_v, i) => i + 1),
    );
  });

  it('writes unchunked messages to an HTTP/1.0 client', async () => {
    let transport: SseTransport | undefined;
    handle = (_req, res) => {
      transport = openStream(res, ['news']);
      transport.write(frameOf(stored(7)), true);
      transport.heartbeat();
      transport.close('reconnect');
    };
    const sock = connect(port, '127.0.0.1');
    sock.write('GET /sse HTTP/1.0\r\n\r\n');
    let raw = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (raw += d));
    await new Promise((r) => sock.on('close', r));
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(raw).not.toMatch(/transfer-encoding/i);
    const messages = messagesOf(body);
    expect(messages.map((m) => m.event ?? m.comment)).toEqual([undefined, 'event', 'hb']);
    expect(JSON.parse(messages[1].data as string)).toEqual(stored(7));
  });

  it('writes through the response while it waits behind another response on the same connection', async () => {
    // Two pipelined requests: the second stream's response has no connection of its own yet.
    let first: ServerResponse | undefined;
    let transport: SseTransport | undefined;
    const both = new Promise<void>((resolve) => {
      handle = (req, res) => {
        if (req.url === '/first') first = res;
        else {
          transport = openStream(res, ['news']);
          transport.write(frameOf(stored(1)), true);
          resolve();
        }
      };
    });
    const sock = connect(port, '127.0.0.1');
    let raw = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (raw += d));
    sock.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /sse HTTP/1.1\r\nHost: x\r\n\r\n');
    await both;
    first?.end('first');
    transport?.write(frameOf(stored(2)), true);
    transport?.close('reconnect');
    await new Promise<void>((r) => {
      const wait = () =>
        raw.endsWith('0\r\n\r\n') && raw.includes('text/event-stream') ? r() : setTimeout(wait, 5);
      wait();
    });
    sock.destroy();
    const second = raw.slice(raw.indexOf('HTTP/1.1', 1));
    const body = second
      .slice(second.indexOf('\r\n\r\n') + 4)
      .split('\r\n')
      .filter((_l, i) => i % 2 === 1) // chunk data lines (after each size line)
      .join('');
    expect(raw.indexOf('first')).toBeLessThan(raw.indexOf('text/event-stream'));
    expect(
      messagesOf(body)
        .filter((m) => m.event === 'event')
        .map((m) => JSON.parse(m.data as string).offset),
    ).toEqual([1, 2]);
  });
});
