import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OptimizedWire as W } from '@channels/contracts';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  decodeOptimizedFrame,
  encodeOptimizedFrame,
  encodeOptimizedMessage,
  OptimizedClient,
  OptimizedConnectError,
  optimizedUrl,
} from './optimized-client';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * A stand-in `/optimized` server: refuses the upgrade without token "good", answers SUBSCRIBE
 * (INITIAL_ONLINE_STATUS first for channel "lobby", ACK false for "secret") and PUBLISH with an ID.
 * It speaks through the server's codec, so these tests also check that the two agree.
 */
class StubServer {
  readonly wss: WebSocketServer;
  readonly received: { data: Buffer; isBinary: boolean }[] = [];
  readonly upgrades: IncomingMessage[] = [];
  readonly sockets: WebSocket[] = [];
  pongs = 0;

  constructor() {
    this.wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      path: '/optimized',
      verifyClient: ({ req }, done) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const token = req.headers['authorization'] ?? url.searchParams.get('Authorization');
        if (token === 'good' || token === 'Bearer good') done(true);
        else done(false, 401, 'Unauthorized');
      },
    });
    this.wss.on('connection', (ws, req) => {
      this.upgrades.push(req);
      this.sockets.push(ws);
      ws.on('pong', () => this.pongs++);
      ws.on('message', (data: RawData, isBinary) => {
        const buf = data as Buffer;
        this.received.push({ data: buf, isBinary });
        if (isBinary) this.answer(ws, buf);
      });
    });
  }

  listening(): Promise<void> {
    return new Promise((resolve) => this.wss.once('listening', () => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  private answer(ws: WebSocket, data: Buffer): void {
    let frame: W.ClientFrame | null;
    try {
      frame = W.decodeClientFrame(data);
    } catch {
      return; // malformed: ignored
    }
    if (frame?.type === W.NewEventType.SUBSCRIBE) {
      const { channelID, ID } = frame.request;
      if (channelID === 'lobby')
        ws.send(
          W.encodeServerFrame(W.NewEventType.INITIAL_ONLINE_STATUS, {
            channelID,
            clientStatus: {
              alice: { status: true, timestamp: 1_700_000_000 },
              bob: { status: false, timestamp: 0 },
            },
          }),
        );
      ws.send(W.encodeServerFrame(W.NewEventType.ACK, { replyTo: ID, status: channelID !== 'secret' }));
    } else if (frame?.type === W.NewEventType.PUBLISH && frame.request.ID !== 0) {
      ws.send(W.encodeServerFrame(W.NewEventType.ACK, { replyTo: frame.request.ID, status: true }));
    }
  }

  push(frame: Uint8Array | string): void {
    for (const ws of this.sockets) ws.send(frame);
  }

  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

describe('OptimizedClient', () => {
  let server: StubServer;
  const clients: OptimizedClient[] = [];
  const connect = async (o: Partial<Parameters<typeof OptimizedClient.connect>[1]> = {}) => {
    const c = await OptimizedClient.connect(server.url, { token: 'good', appID: 'app1', ...o });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = new StubServer();
    await server.listening();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('addresses /optimized over ws from a base address', () => {
    expect(optimizedUrl('http://h:1').href).toBe('ws://h:1/optimized');
    expect(optimizedUrl('https://h/').href).toBe('wss://h/optimized');
    expect(optimizedUrl('ws://h:2/optimized').href).toBe('ws://h:2/optimized');
  });

  it('sends credentials as headers, or as query parameters', async () => {
    await connect({ deviceID: 'dev-1' });
    await connect({ via: 'query', bearer: true });
    const [byHeaders, byQuery] = server.upgrades;
    expect(byHeaders.headers).toMatchObject({ authorization: 'good', appid: 'app1', deviceid: 'dev-1' });
    const query = new URL(byQuery.url ?? '', 'http://x').searchParams;
    expect(Object.fromEntries(query)).toEqual({ Authorization: 'Bearer good', AppID: 'app1' });
    expect(byQuery.headers['authorization']).toBeUndefined();
  });

  it('rejects with the HTTP status of a refused upgrade', async () => {
    const refused = OptimizedClient.connect(server.url, { token: 'bad', appID: 'app1' });
    await expect(refused).rejects.toBeInstanceOf(OptimizedConnectError);
    await expect(refused).rejects.toMatchObject({ status: 401 });
  });

  it('subscribes with the bytes of the schema and collects the INITIAL_ONLINE_STATUS before the ACK', async () => {
    const c = await connect();
    expect(await c.subscribe('a', 1)).toEqual({ ack: { replyTo: 1, status: true } });
    // NewEvent{type: SUBSCRIBE(4), payload: SubscribeRequest{channelID: "a", ID: 1}}.
    expect(hex(server.received[0].data)).toBe('0804' + '1205' + '0a01611001');
    expect(server.received[0].isBinary).toBe(true);

    expect(await c.subscribe('lobby', 2)).toEqual({
      ack: { replyTo: 2, status: true },
      initial: {
        channelID: 'lobby',
        clientStatus: {
          alice: { status: true, timestamp: 1_700_000_000 },
          bob: { status: false, timestamp: 0 },
        },
      },
    });
    expect(await c.subscribe('secret', 3)).toEqual({ ack: { replyTo: 3, status: false } });
    expect(c.frames.map((f) => f.type)).toEqual(['ACK', 'INITIAL_ONLINE_STATUS', 'ACK', 'ACK']);
  });

  it('publishes: an ID waits for its ACK, ID 0 waits for nothing', async () => {
    const c = await connect();
    const p = { channelID: 'c', eventType: 'chat', payload: '{"text":"hi"}' };
    expect(await c.publish({ ...p, ID: 7 })).toEqual({ replyTo: 7, status: true });
    expect(await c.publish({ ...p, ID: 0 })).toBeUndefined();
    await c.publish({ ...p, ID: 8 }); // ordered after the ID 0 frame on the same connection
    expect(server.received.map((r) => W.decodeClientFrame(r.data))).toEqual([
      { type: W.NewEventType.PUBLISH, request: { ...p, ID: 7 } },
      { type: W.NewEventType.PUBLISH, request: { ...p, ID: 0 } },
      { type: W.NewEventType.PUBLISH, request: { ...p, ID: 8 } },
    ]);
    expect(c.payloads('ACK')).toEqual([
      { replyTo: 7, status: true },
      { replyTo: 8, status: true },
    ]);
  });

  it('logs every server frame decoded, and awaits frames received before or after the call', async () => {
    const c = await connect();
    const event = { senderID: 'u1', eventType: 't', payload: 'p', channelID: 'c', timestamp: 1_700_000_001 };
    server.push(W.encodeServerFrame(W.NewEventType.PUBLISH, event));
    server.push(W.encodeServerFrame(W.NewEventType.NEW_CHANNEL, 'room-é'));
    expect((await c.next('PUBLISH')).payload).toEqual(event);
    expect((await c.next('NEW_CHANNEL')).payload).toBe('room-é');

    const later = c.next('JOIN_CHANNEL', (j) => j.clientID === 'bob');
    server.push(W.encodeServerFrame(W.NewEventType.JOIN_CHANNEL, { channelID: 'c', clientID: 'alice' }));
    server.push(W.encodeServerFrame(W.NewEventType.JOIN_CHANNEL, { channelID: 'c', clientID: 'bob' }));
    server.push(W.encodeServerFrame(W.NewEventType.REMOVE_CHANNEL, 'c'));
    expect((await later).payload).toEqual({ channelID: 'c', clientID: 'bob' });
    expect((await c.next('JOIN_CHANNEL')).payload).toEqual({ channelID: 'c', clientID: 'alice' });
    const removed = await c.next('REMOVE_CHANNEL');
    expect(hex(removed.raw)).toBe('0803' + '1201' + '63');
    await expect(c.next('JOIN_CHANNEL', undefined, 100)).rejects.toThrow(
      /timed out after 100 ms waiting for a JOIN_CHANNEL frame/,
    );
    expect(c.frames.map((f) => f.type)).toEqual([
      'PUBLISH',
      'NEW_CHANNEL',
      'JOIN_CHANNEL',
      'JOIN_CHANNEL',
      'REMOVE_CHANNEL',
    ]);
  });

  it('decodes type 0 frames, which carry no type field on the wire', async () => {
    const c = await connect();
    server.push(Buffer.from('1206' + '0a0163' + '120175', 'hex'));
    expect((await c.next('JOIN_CHANNEL')).payload).toEqual({ channelID: 'c', clientID: 'u' });
  });

  it('keeps text frames and undecodable bytes out of the frame log', async () => {
    const c = await connect();
    server.push('hello');
    server.push(Buffer.from('0a05ff', 'hex'));
    server.push(Buffer.from('0863', 'hex'));
    server.push(W.encodeServerFrame(W.NewEventType.ACK, { replyTo: 1, status: true }));
    await c.next('ACK');
    expect(c.frames).toHaveLength(1);
    expect(c.undecodable.map((u) => u.error)).toEqual([
      'text frame',
      expect.stringMatching(/index out of range/),
      'unknown frame type 99',
    ]);
  });

  it('sends raw binary and text frames as they are', async () => {
    const c = await connect();
    await c.sendRaw(Buffer.from([1, 2, 3]));
    await c.sendRaw('not protobuf');
    await c.sendFrame(99, new Uint8Array([9]));
    await c.publish({ ID: 5, channelID: 'c', eventType: 't', payload: '' });
    expect(server.received.slice(0, 3)).toEqual([
      { data: Buffer.from([1, 2, 3]), isBinary: true },
      { data: Buffer.from('not protobuf'), isBinary: false },
      { data: Buffer.from('0863' + '120109', 'hex'), isBinary: true },
    ]);
  });

  it('answers pings, and reports how the server closed the connection', async () => {
    const c = await connect();
    server.sockets[0].ping();
    for (let i = 0; i < 100 && server.pongs === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.pongs).toBe(1);
    expect(c.pings).toBe(1);

    const waiting = c.next('PUBLISH', undefined, 5_000);
    server.sockets[0].close(1008, 'too slow');
    await expect(waiting).rejects.toThrow(/connection closed \(1008 too slow\)/);
    expect(await c.closed).toEqual({ code: 1008, reason: 'too slow' });
    expect(c.isOpen).toBe(false);
  });

  it('encodes and decodes from the .proto file alone', () => {
    const payload = encodeOptimizedMessage('SubscribeRequest', { channelID: 'a', ID: 1 });
    expect(hex(payload)).toBe('0a01611001');
    expect(() => encodeOptimizedMessage('SubscribeRequest', { ID: 'x' })).toThrow(/ID: integer expected/);
    const frame = encodeOptimizedFrame(
      'ONLINE_STATUS',
      W.encodeOnlineStatusUpdate({ channelID: 'c', clientID: 'u', status: true, timestamp: 3 }),
    );
    expect(decodeOptimizedFrame(Buffer.from(frame))).toMatchObject({
      type: 'ONLINE_STATUS',
      payload: { channelID: 'c', clientID: 'u', status: true, timestamp: 3 },
    });
  });
});
