import { type Long, parse, Reader, type Type, Writer } from 'protobufjs';
import { OPTIMIZED_PROTO } from './optimized-proto';

/**
 * The `/optimized` wire (the original product's protocol): every WebSocket frame is one binary
 * protobuf `NewEvent {type, payload}`, the payload being one of the messages below, encoded (or the
 * channel id's UTF-8 bytes for NEW_CHANNEL / REMOVE_CHANNEL). The schema is optimized.proto; these
 * encoders and decoders are built from it on first use.
 *
 * Encoders take plain objects and write what a proto3 encoder writes: fields holding their default
 * value ("", 0, false, empty) are left out. They do not validate: numbers must be integers in their
 * field's range. Decoders return plain objects with every field present (defaults filled in) and
 * throw `OptimizedWireError` on bytes that are not the message (truncated, bad wire type, invalid
 * UTF-8 in a string, too deep). Unknown fields are skipped. 64-bit timestamps are JS numbers.
 */

/** `NewEvent.NewEventType`. The enum is open: a decoded frame may carry any other number. */
export const NewEventType = {
  JOIN_CHANNEL: 0,
  LEAVE_CHANNEL: 1,
  NEW_CHANNEL: 2,
  REMOVE_CHANNEL: 3,
  SUBSCRIBE: 4,
  PUBLISH: 5,
  ACK: 6,
  ONLINE_STATUS: 7,
  INITIAL_ONLINE_STATUS: 8,
} as const;
export type NewEventType = (typeof NewEventType)[keyof typeof NewEventType];

export const isNewEventType = (type: number): type is NewEventType =>
  Number.isInteger(type) && type >= NewEventType.JOIN_CHANNEL && type <= NewEventType.INITIAL_ONLINE_STATUS;

/** A decoded frame. `type` is a plain number: unknown values are kept (see `isNewEventType`). */
export interface NewEvent {
  type: number;
  /** A view into the decoded bytes, not a copy. */
  payload: Uint8Array;
}

export interface SubscribeRequest {
  channelID: string;
  /** Echoed as the ACK's `replyTo`. */
  ID: number;
}

export interface PublishRequest {
  /** 0: fire-and-forget (live only, no ACK); otherwise stored, and the ACK's `replyTo`. */
  ID: number;
  eventType: string;
  channelID: string;
  payload: string;
}

export interface PublishAck {
  replyTo: number;
  status: boolean;
}

export interface ChannelEvent {
  senderID: string;
  eventType: string;
  payload: string;
  channelID: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface ClientJoin {
  channelID: string;
  clientID: string;
}

export interface ClientLeave {
  channelID: string;
  clientID: string;
}

export interface OnlineStatusUpdate {
  channelID: string;
  clientID: string;
  status: boolean;
  /** Unix seconds. */
  timestamp: number;
}

export interface ClientStatus {
  status: boolean;
  /** Unix seconds. */
  timestamp: number;
}

export interface InitialPresenceStatus {
  channelID: string;
  /** By client id. */
  clientStatus: Record<string, ClientStatus>;
}

/** Bytes that are not the expected protobuf message. */
export class OptimizedWireError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OptimizedWireError';
  }
}

const MESSAGES = [
  'NewEvent',
  'SubscribeRequest',
  'PublishRequest',
  'PublishAck',
  'ChannelEvent',
  'ClientJoin',
  'ClientLeave',
  'OnlineStatusUpdate',
  'InitialPresenceStatus',
] as const;
type MessageName = (typeof MESSAGES)[number];

let built: Record<MessageName, Type> | undefined;

/** The message types, built from the schema on first use: a process that never speaks this wire pays nothing for it. */
function types(): Record<MessageName, Type> {
  if (built) return built;
  const root = parse(OPTIMIZED_PROTO, { keepCase: true }).root;
  const out = {} as Record<MessageName, Type>;
  for (const name of MESSAGES) out[name] = root.lookupType(name).setup();
  return (built = out);
}

const EMPTY = new Uint8Array(0);
const TEXT = new TextEncoder();

// One writer reused by every encode (encoding is synchronous): its buffer grows to the largest
// message seen and each encode costs one exact-size copy. A writer grown past LARGE is dropped.
const LARGE = 64 * 1024;
let writer: Writer | undefined;

function take(w: Writer): Uint8Array {
  const out = w.finish();
  if (w.buf.length > LARGE) writer = undefined;
  return out;
}

function fresh(): Writer {
  const w = (writer ??= Writer.create());
  w.pos = 0;
  w.states = null;
  return w;
}

function encodeWith(name: MessageName, message: object): Uint8Array {
  const w = fresh();
  types()[name].encode(message, w);
  return take(w);
}

function decodeWith<T>(name: MessageName, bytes: Uint8Array, shape: (m: Record<string, unknown>) => T): T {
  let decoded: Record<string, unknown>;
  try {
    decoded = types()[name].decode(Reader.create(bytes)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new OptimizedWireError(`malformed ${name}: ${(e as Error).message}`, { cause: e });
  }
  return shape(decoded);
}

/** An int64 as read: a number, or a Long (two's complement halves) when long.js is installed. */
const toNumber = (v: number | Long): number =>
  typeof v === 'number' ? v : v.high * 0x1_0000_0000 + (v.low >>> 0);

export function encodeNewEvent(type: NewEventType, payload: Uint8Array): Uint8Array {
  return encodeWith('NewEvent', { type, payload });
}

export function decodeNewEvent(bytes: Uint8Array): NewEvent {
  return decodeWith('NewEvent', bytes, (m) => ({
    type: m.type as number,
    payload: m.payload instanceof Uint8Array ? m.payload : EMPTY,
  }));
}

export const encodeSubscribeRequest = (m: SubscribeRequest): Uint8Array => encodeWith('SubscribeRequest', m);
export const decodeSubscribeRequest = (bytes: Uint8Array): SubscribeRequest =>
  decodeWith('SubscribeRequest', bytes, (m) => ({
    channelID: m.channelID as string,
    ID: m.ID as number,
  }));

export const encodePublishRequest = (m: PublishRequest): Uint8Array => encodeWith('PublishRequest', m);
export const decodePublishRequest = (bytes: Uint8Array): PublishRequest =>
  decodeWith('PublishRequest', bytes, (m) => ({
    ID: m.ID as number,
    eventType: m.eventType as string,
    channelID: m.channelID as string,
    payload: m.payload as string,
  }));

export const encodePublishAck = (m: PublishAck): Uint8Array => encodeWith('PublishAck', m);
export const decodePublishAck = (bytes: Uint8Array): PublishAck =>
  decodeWith('PublishAck', bytes, (m) => ({ replyTo: m.replyTo as number, status: m.status as boolean }));

export const encodeChannelEvent = (m: ChannelEvent): Uint8Array => encodeWith('ChannelEvent', m);
export const decodeChannelEvent = (bytes: Uint8Array): ChannelEvent =>
  decodeWith('ChannelEvent', bytes, (m) => ({
    senderID: m.senderID as string,
    eventType: m.eventType as string,
    payload: m.payload as string,
    channelID: m.channelID as string,
    timestamp: toNumber(m.timestamp as number | Long),
  }));

export const encodeClientJoin = (m: ClientJoin): Uint8Array => encodeWith('ClientJoin', m);
export const decodeClientJoin = (bytes: Uint8Array): ClientJoin =>
  decodeWith('ClientJoin', bytes, (m) => ({
    channelID: m.channelID as string,
    clientID: m.clientID as string,
  }));

export const encodeClientLeave = (m: ClientLeave): Uint8Array => encodeWith('ClientLeave', m);
export const decodeClientLeave = (bytes: Uint8Array): ClientLeave =>
  decodeWith('ClientLeave', bytes, (m) => ({
    channelID: m.channelID as string,
    clientID: m.clientID as string,
  }));

export const encodeOnlineStatusUpdate = (m: OnlineStatusUpdate): Uint8Array =>
  encodeWith('OnlineStatusUpdate', m);
export const decodeOnlineStatusUpdate = (bytes: Uint8Array): OnlineStatusUpdate =>
  decodeWith('OnlineStatusUpdate', bytes, (m) => ({
    channelID: m.channelID as string,
    clientID: m.clientID as string,
    status: m.status as boolean,
    timestamp: toNumber(m.timestamp as number | Long),
  }));

export const encodeInitialPresenceStatus = (m: InitialPresenceStatus): Uint8Array =>
  encodeWith('InitialPresenceStatus', m);
export const decodeInitialPresenceStatus = (bytes: Uint8Array): InitialPresenceStatus =>
  decodeWith('InitialPresenceStatus', bytes, (m) => {
    const clientStatus: Record<string, ClientStatus> = {};
    for (const [clientID, s] of Object.entries(
      (m.clientStatus ?? {}) as Record<string, Record<string, unknown>>,
    ))
      clientStatus[clientID] = {
        status: s.status as boolean,
        timestamp: toNumber(s.timestamp as number | Long),
      };
    return { channelID: m.channelID as string, clientStatus };
  });

/** What the server sends, by frame type. NEW_CHANNEL / REMOVE_CHANNEL carry the channel id itself. */
export interface ServerFrameBodies {
  [NewEventType.JOIN_CHANNEL]: ClientJoin;
  [NewEventType.LEAVE_CHANNEL]: ClientLeave;
  [NewEventType.NEW_CHANNEL]: string;
  [NewEventType.REMOVE_CHANNEL]: string;
  [NewEventType.PUBLISH]: ChannelEvent;
  [NewEventType.ACK]: PublishAck;
  [NewEventType.ONLINE_STATUS]: OnlineStatusUpdate;
  [NewEventType.INITIAL_ONLINE_STATUS]: InitialPresenceStatus;
}
export type ServerFrameType = keyof ServerFrameBodies;

const serverBodyType: Record<ServerFrameType, MessageName | null> = {
  [NewEventType.JOIN_CHANNEL]: 'ClientJoin',
  [NewEventType.LEAVE_CHANNEL]: 'ClientLeave',
  [NewEventType.NEW_CHANNEL]: null,
  [NewEventType.REMOVE_CHANNEL]: null,
  [NewEventType.PUBLISH]: 'ChannelEvent',
  [NewEventType.ACK]: 'PublishAck',
  [NewEventType.ONLINE_STATUS]: 'OnlineStatusUpdate',
  [NewEventType.INITIAL_ONLINE_STATUS]: 'InitialPresenceStatus',
};

const TYPE_TAG = (1 << 3) | 0; // field 1, varint
const PAYLOAD_TAG = (2 << 3) | 2; // field 2, length-delimited

/**
 * A whole server frame, `NewEvent {type, payload: body encoded}`, written in one pass: the same
 * bytes as `encodeNewEvent(type, encodeX(body))` without the intermediate buffer. Encode once per
 * event and send the bytes to every connection.
 */
export function encodeServerFrame<T extends ServerFrameType>(
  type: T,
  body: ServerFrameBodies[T],
): Uint8Array {
  const bodyName = serverBodyType[type];
  if (bodyName === undefined) throw new OptimizedWireError(`${type} is not a server frame type`);
  const w = fresh();
  if (type !== 0) w.uint32(TYPE_TAG).int32(type);
  if (bodyName === null) {
    const id = body as string;
    if (id.length > 0) w.uint32(PAYLOAD_TAG).bytes(TEXT.encode(id));
    return take(w);
  }
  const tagAt = w.pos;
  w.uint32(PAYLOAD_TAG).fork();
  const bodyAt = w.pos;
  types()[bodyName].encode(body as object, w);
  if (w.pos === bodyAt) {
    // An all-default body is an empty payload, which proto3 leaves out.
    w.reset();
    w.pos = tagAt;
  } else {
    w.ldelim();
  }
  return take(w);
}

/** What a client may send: SUBSCRIBE and PUBLISH. */
export type ClientFrame =
  | { type: typeof NewEventType.SUBSCRIBE; request: SubscribeRequest }
  | { type: typeof NewEventType.PUBLISH; request: PublishRequest };

/**
 * Decodes a frame from a client. Null for a well-formed frame of any other type (the server ignores
 * those); throws `OptimizedWireError` when the bytes are not a NewEvent or its payload is not the
 * type's message.
 */
export function decodeClientFrame(bytes: Uint8Array): ClientFrame | null {
  const frame = decodeNewEvent(bytes);
  if (frame.type === NewEventType.SUBSCRIBE)
    return { type: NewEventType.SUBSCRIBE, request: decodeSubscribeRequest(frame.payload) };
  if (frame.type === NewEventType.PUBLISH)
    return { type: NewEventType.PUBLISH, request: decodePublishRequest(frame.payload) };
  return null;
}
