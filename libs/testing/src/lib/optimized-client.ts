import { join } from 'node:path';
import { Root, type Type } from 'protobufjs';
import WebSocket, { type RawData } from 'ws';
import { REPO_ROOT } from './test-env';

/**
 * A client of the `/optimized` wire (the original product's protocol) for tests, built only from
 * optimized.proto — loaded from the file here, not taken from the server's codec — so it checks the
 * server against the schema rather than against itself.
 */

export const OPTIMIZED_PROTO_PATH = join(REPO_ROOT, 'libs/contracts/src/lib/optimized/optimized.proto');

const schema = new Root().loadSync(OPTIMIZED_PROTO_PATH, { keepCase: true });
const NewEvent = schema.lookupType('NewEvent');
const typeNumbers = schema.lookupEnum('NewEvent.NewEventType').values;
const typeNames = new Map(Object.entries(typeNumbers).map(([name, n]) => [n, name]));

export interface OptimizedSubscribeRequest {
  channelID: string;
  ID: number;
}
export interface OptimizedPublishRequest {
  ID: number;
  eventType: string;
  channelID: string;
  payload: string;
}
export interface OptimizedAck {
  replyTo: number;
  status: boolean;
}
export interface OptimizedChannelEvent {
  senderID: string;
  eventType: string;
  payload: string;
  channelID: string;
  /** Unix seconds. */
  timestamp: number;
}
export interface OptimizedMember {
  channelID: string;
  clientID: string;
}
export interface OptimizedOnlineStatus {
  channelID: string;
  clientID: string;
  status: boolean;
  timestamp: number;
}
export interface OptimizedInitialStatus {
  channelID: string;
  clientStatus: Record<string, { status: boolean; timestamp: number }>;
}

/** The decoded payload of each frame type (every field present, defaults filled in). */
export interface OptimizedFramePayloads {
  JOIN_CHANNEL: OptimizedMember;
  LEAVE_CHANNEL: OptimizedMember;
  /** The channel id (the payload's UTF-8 text). */
  NEW_CHANNEL: string;
  REMOVE_CHANNEL: string;
  SUBSCRIBE: OptimizedSubscribeRequest;
  PUBLISH: OptimizedChannelEvent;
  ACK: OptimizedAck;
  ONLINE_STATUS: OptimizedOnlineStatus;
  INITIAL_ONLINE_STATUS: OptimizedInitialStatus;
}
export type OptimizedFrameType = keyof OptimizedFramePayloads;

/** Message decoding each frame's payload (server → client direction; null: raw UTF-8 text). */
const PAYLOAD_MESSAGE: Record<OptimizedFrameType, string | null> = {
  JOIN_CHANNEL: 'ClientJoin',
  LEAVE_CHANNEL: 'ClientLeave',
  NEW_CHANNEL: null,
  REMOVE_CHANNEL: null,
  SUBSCRIBE: 'SubscribeRequest',
  PUBLISH: 'ChannelEvent',
  ACK: 'PublishAck',
  ONLINE_STATUS: 'OnlineStatusUpdate',
  INITIAL_ONLINE_STATUS: 'InitialPresenceStatus',
};

export interface OptimizedFrame<T extends OptimizedFrameType = OptimizedFrameType> {
  type: T;
  payload: OptimizedFramePayloads[T];
  /** The whole frame as received. */
  raw: Buffer;
  /** Date.now() at arrival. */
  at: number;
}

/** Encodes one message of optimized.proto (by its name there) from a plain object. */
export function encodeOptimizedMessage(message: string, value: object): Uint8Array {
  const type = schema.lookupType(message);
  const problem = type.verify(value);
  if (problem) throw new Error(`${message}: ${problem}`);
  return type.encode(type.fromObject(value)).finish();
}

/** A whole frame: `NewEvent {type, payload}`. */
export function encodeOptimizedFrame(type: OptimizedFrameType | number, payload: Uint8Array): Uint8Array {
  const n = typeof type === 'number' ? type : typeNumbers[type];
  return NewEvent.encode(NewEvent.fromObject({ type: n, payload })).finish();
}

const plain = (type: Type, bytes: Uint8Array) =>
  type.toObject(type.decode(bytes), { longs: Number, defaults: true, objects: true });

/** Decodes a whole frame as the server sends it. Throws on bytes that are not one. */
export function decodeOptimizedFrame(raw: Buffer): Omit<OptimizedFrame, 'at'> {
  const frame = NewEvent.toObject(NewEvent.decode(raw), { defaults: true, enums: Number }) as {
    type: number;
    payload: Uint8Array;
  };
  const type = typeNames.get(frame.type) as OptimizedFrameType | undefined;
  if (!type) throw new Error(`unknown frame type ${frame.type}`);
  const message = PAYLOAD_MESSAGE[type];
  const payload =
    message === null
      ? Buffer.from(frame.payload).toString('utf8')
      : (plain(schema.lookupType(message), frame.payload) as OptimizedFramePayloads[typeof type]);
  return { type, payload, raw };
}

export interface OptimizedConnectOptions {
  token: string;
  appID: string;
  deviceID?: string;
  /** Where the credentials travel: HTTP headers (default) or query parameters, as browsers do. */
  via?: 'headers' | 'query';
  /** Send the token as `Bearer <token>`. */
  bearer?: boolean;
  timeoutMs?: number;
}

/** An upgrade the server refused: `status` is its HTTP status (e.g. 401). */
export class OptimizedConnectError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
    this.name = 'OptimizedConnectError';
  }
}

export interface OptimizedSubscribeResult {
  ack: OptimizedAck;
  /** The INITIAL_ONLINE_STATUS of the channel received before the ACK, if any. */
  initial?: OptimizedInitialStatus;
}

interface Waiter {
  match: (f: OptimizedFrame) => boolean;
  resolve: (f: OptimizedFrame) => void;
  reject: (e: Error) => void;
}

/** `ws://…/optimized` from a base address (http or ws) or a full `/optimized` address. */
export function optimizedUrl(base: string): URL {
  const url = new URL(base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/optimized';
  return url;
}

export class OptimizedClient {
  /** Every frame received, decoded, in arrival order. */
  readonly frames: OptimizedFrame[] = [];
  /** Frames that could not be decoded (text frames, bytes that are not a known NewEvent). */
  readonly undecodable: { data: Buffer; isBinary: boolean; error: string }[] = [];
  /** Pings received (ws answers each with a pong by itself). */
  pings = 0;
  /** Resolves when the connection closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly taken = new Set<OptimizedFrame>();
  private waiters: Waiter[] = [];
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        const error = new Error(`connection closed (${code} ${reason.toString()})`);
        for (const w of this.waiters) w.reject(error);
        this.waiters = [];
        resolve(this.closeInfo);
      });
    });
    ws.on('ping', () => this.pings++);
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(toBuffer(data), isBinary));
  }

  /**
   * Opens `/optimized` at `url` (a base address or the full endpoint) and resolves once upgraded.
   * Rejects with `OptimizedConnectError` (its `status`) when the server refuses the upgrade.
   */
  static connect(url: string, o: OptimizedConnectOptions): Promise<OptimizedClient> {
    const target = optimizedUrl(url);
    const token = o.bearer ? `Bearer ${o.token}` : o.token;
    const credentials: Record<string, string> = {
      Authorization: token,
      AppID: o.appID,
      ...(o.deviceID ? { DeviceID: o.deviceID } : {}),
    };
    if (o.via === 'query') for (const [k, v] of Object.entries(credentials)) target.searchParams.set(k, v);
    const ws = new WebSocket(target, {
      headers: o.via === 'query' ? {} : credentials,
      handshakeTimeout: o.timeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    const client = new OptimizedClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          ws.terminate();
          reject(new OptimizedConnectError(res.statusCode ?? 0, body));
        });
      });
      ws.once('error', reject);
    });
  }

  /**
   * Subscribes and resolves with the ACK whose `replyTo` is `id`, and with the channel's
   * INITIAL_ONLINE_STATUS when one arrived between the request and the ACK.
   */
  async subscribe(channelID: string, id: number, timeoutMs = 10_000): Promise<OptimizedSubscribeResult> {
    const from = this.frames.length;
    const ack = this.replyTo(id, from, timeoutMs);
    ack.catch(() => undefined); // awaited below; a failed send must not leave it unhandled
    await this.sendFrame('SUBSCRIBE', encodeOptimizedMessage('SubscribeRequest', { channelID, ID: id }));
    const got = await ack;
    const initial = this.frames
      .slice(from, this.frames.indexOf(got))
      .find(
        (f): f is OptimizedFrame<'INITIAL_ONLINE_STATUS'> =>
          f.type === 'INITIAL_ONLINE_STATUS' &&
          !this.taken.has(f) &&
          (f.payload as OptimizedInitialStatus).channelID === channelID,
      );
    if (initial) this.taken.add(initial);
    return { ack: got.payload, ...(initial ? { initial: initial.payload } : {}) };
  }

  /**
   * Publishes. With `ID != 0` resolves with the ACK whose `replyTo` is `ID`; with `ID == 0`
   * (fire-and-forget, no ACK) resolves once the frame is written.
   */
  async publish(p: OptimizedPublishRequest, timeoutMs = 10_000): Promise<OptimizedAck | undefined> {
    const payload = encodeOptimizedMessage('PublishRequest', p);
    if (p.ID === 0) {
      await this.sendFrame('PUBLISH', payload);
      return undefined;
    }
    const ack = this.replyTo(p.ID, this.frames.length, timeoutMs);
    ack.catch(() => undefined); // awaited below; a failed send must not leave it unhandled
    await this.sendFrame('PUBLISH', payload);
    return (await ack).payload;
  }

  /**
   * The first frame of `type` (matching `predicate`) not yet returned by `next`, `subscribe` or
   * `publish` — one already received, or the next to arrive within `timeoutMs`.
   */
  next<T extends OptimizedFrameType>(
    type: T,
    predicate: (payload: OptimizedFramePayloads[T]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<OptimizedFrame<T>> {
    return this.waitFor(
      (f) => f.type === type && predicate(f.payload as OptimizedFramePayloads[T]),
      `a ${type} frame`,
      timeoutMs,
    ) as Promise<OptimizedFrame<T>>;
  }

  /** Decoded payloads of every frame of `type` received so far. */
  payloads<T extends OptimizedFrameType>(type: T): OptimizedFramePayloads[T][] {
    return this.frames.filter((f) => f.type === type).map((f) => f.payload as OptimizedFramePayloads[T]);
  }

  /** Sends one frame of `type` carrying `payload` (already encoded). */
  sendFrame(type: OptimizedFrameType | number, payload: Uint8Array): Promise<void> {
    return this.sendRaw(encodeOptimizedFrame(type, payload));
  }

  /** Sends bytes as one binary frame, or a string as one text frame, as they are. */
  sendRaw(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(data, { binary: typeof data !== 'string' }, (e) => (e ? reject(e) : resolve())),
    );
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Closes (normal closure) and resolves once closed. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000);
    const timer = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  /** The ACK answering `id`, among the frames from index `from` on. */
  private replyTo(id: number, from: number, timeoutMs: number): Promise<OptimizedFrame<'ACK'>> {
    return this.waitFor(
      (f) => f.type === 'ACK' && (f.payload as OptimizedAck).replyTo === id && this.frames.indexOf(f) >= from,
      `the ACK of ${id}`,
      timeoutMs,
    ) as Promise<OptimizedFrame<'ACK'>>;
  }

  private waitFor(
    accepts: (f: OptimizedFrame) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<OptimizedFrame> {
    const match = (f: OptimizedFrame) => !this.taken.has(f) && accepts(f);
    const seen = this.frames.find(match);
    if (seen) {
      this.taken.add(seen);
      return Promise.resolve(seen);
    }
    if (this.closeInfo)
      return Promise.reject(new Error(`connection closed (${this.closeInfo.code}) before ${what}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const got = this.frames.map((f) => f.type).join(', ') || 'none';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (frames received: ${got})`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      this.undecodable.push({ data, isBinary, error: 'text frame' });
      return;
    }
    let frame: OptimizedFrame;
    try {
      frame = { ...decodeOptimizedFrame(data), at: Date.now() };
    } catch (e) {
      this.undecodable.push({ data, isBinary, error: (e as Error).message });
      return;
    }
    this.frames.push(frame);
    const waiter = this.waiters.find((w) => w.match(frame));
    if (waiter) {
      this.taken.add(frame);
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(frame);
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
