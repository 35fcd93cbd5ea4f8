// The load generator's client side: a minimal socket.io v5-protocol client (engine.io v4,
// websocket transport only) over the `ws` package, and the same interface for the raw `ws`
// baseline's JSON protocol. It does only what a subscriber or publisher needs:
//
//   engine.io:  `0{...}` open → remember nothing; `2` ping → answer `3`; `1` close.
//   socket.io:  send `40{auth}` to connect the main namespace; `40{...}` connected, `44{...}` refused;
//               `42[...]` events (the hot path never parses them: `onEvent(buffer)` gets the raw
//               frame); `42<id>[...]`/`43<id>[...]` requests and acks (parsed, they are rare).
//
// Everything else (binary packets, other namespaces, polling) is out of scope on purpose.
//
// `/optimized` (the original product's binary protocol; schema
// libs/contracts/src/lib/optimized/optimized.proto): one protobuf `NewEvent {type = 1; payload = 2}`
// per binary frame. The client writes SUBSCRIBE / PUBLISH by hand (a few tagged fields) and reads
// only the frame type of what arrives: a frame starting `08 05` is a PUBLISH (ChannelEvent) and goes
// to `onEvent(buffer)` undecoded; ACKs (`08 06`) are decoded by hand for their `replyTo`/`status`.
// The subscriber worker checks a sample of the PUBLISH frames with a full protobuf decode built
// from optimized.proto.
//
// SSE (`GET /sse?channel=…`, protocol §5): a plain HTTP/1.1 request over a `net` socket, credentials
// in the `Authorization` and `AppID` headers. The reader undoes the chunked transfer coding and cuts
// the body into SSE messages at blank lines (a message may straddle TCP reads and chunks); a message
// whose `event:` line (after an optional `id:` line) is `event: event` goes to `onEvent(buffer)`
// undecoded, whole (its `id:` line included). The connection resolves once `event: ready` arrived,
// i.e. once the stream's channels are subscribed.
import { createHmac } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import WebSocket from 'ws';

const C_0 = 0x30;
const C_1 = 0x31;
const C_2 = 0x32;
const C_3 = 0x33;
const C_4 = 0x34;

/** `42["event",` — the prefix of every frame carrying a Channels/socket.io `event` event. */
export const SIO_EVENT_PREFIX = Buffer.from('42["event",');
/** `{"t":"event"` — the raw ws baseline's event frame prefix. */
export const RAW_EVENT_PREFIX = Buffer.from('{"t":"event"');

function startsWith(buf, prefix) {
  if (buf.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[i] !== prefix[i]) return false;
  return true;
}

export function sioUrl(base) {
  const u = new URL(base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/socket.io/';
  u.search = '?EIO=4&transport=websocket';
  return u.toString();
}

/**
 * Opens one connection. Resolves once the namespace is connected (and, with `waitFor`, once that
 * server event arrived); rejects with the server's refusal message otherwise.
 *
 * options: { protocol: 'sio' | 'raw' | 'optimized' | 'sse', url, auth: {token, appID}, waitFor?: string,
 *            channels?: string[] (SSE: the stream's channels), onEvent?: (frame: Buffer) => void,
 *            onClose?: () => void, timeoutMs? }
 * The connection object: { request(event, data, cb(err, ack)), send(event, data), close(), ws }.
 */
export function connect(options) {
  if (options.protocol === 'raw') return connectRaw(options);
  if (options.protocol === 'optimized') return connectOptimized(options);
  if (options.protocol === 'sse') return connectSse(options);
  return connectSio(options);
}

function connectSio({ url, auth, waitFor, onEvent, onClose, timeoutMs = 15_000 }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(sioUrl(url), { perMessageDeflate: false, skipUTF8Validation: true });
    const pending = new Map();
    let nextId = 1;
    let state = 'opening'; // opening → connecting → (waiting) → open → closed
    const timer = setTimeout(() => fail(new Error('connect timeout')), timeoutMs);

    const conn = {
      ws,
      request(event, data, cb) {
        const id = nextId++;
        pending.set(id, cb);
        ws.send(`42${id}${JSON.stringify([event, data])}`);
      },
      /** Same as request with the frame pre-serialised (`[event,data]` JSON) — publishers' hot path. */
      requestRaw(json, cb) {
        const id = nextId++;
        pending.set(id, cb);
        ws.send(`42${id}${json}`);
      },
      send(event, data) {
        ws.send(`42${JSON.stringify([event, data])}`);
      },
      close() {
        state = 'closed';
        try {
          ws.close();
        } catch {
          // not open yet
        }
      },
      get pendingCount() {
        return pending.size;
      },
    };

    function fail(err) {
      clearTimeout(timer);
      if (state !== 'open') {
        state = 'closed';
        ws.terminate();
        reject(err);
      }
    }
    function opened() {
      clearTimeout(timer);
      state = 'open';
      resolve(conn);
    }

    ws.on('message', (buf) => {
      const c0 = buf[0];
      if (c0 === C_4) {
        const c1 = buf[1];
        if (c1 === C_2) {
          if (state === 'open' && startsWith(buf, SIO_EVENT_PREFIX)) {
            if (onEvent) onEvent(buf);
            return;
          }
          if (state === 'waiting' && waitFor) {
            const s = buf.toString();
            const body = s.slice(2 + (/^\d*/.exec(s.slice(2))?.[0].length ?? 0));
            try {
              if (JSON.parse(body)[0] === waitFor) opened();
            } catch {
              // not the event we wait for
            }
          }
          return;
        }
        if (c1 === C_3) {
          const s = buf.toString();
          const m = /^43(\d+)/.exec(s);
          if (!m) return;
          const cb = pending.get(Number(m[1]));
          if (!cb) return;
          pending.delete(Number(m[1]));
          let ack;
          try {
            ack = JSON.parse(s.slice(m[0].length))[0];
          } catch (e) {
            cb(e);
            return;
          }
          cb(null, ack);
          return;
        }
        if (c1 === C_0 && state === 'connecting') {
          if (waitFor) state = 'waiting';
          else opened();
          return;
        }
        if (c1 === C_4) {
          let message = 'connect_error';
          try {
            message = JSON.parse(buf.toString().slice(2)).message ?? message;
          } catch {
            // keep the generic message
          }
          fail(new Error(message));
          return;
        }
        if (c1 === C_1) ws.close(); // namespace disconnect from the server
        return;
      }
      if (c0 === C_2 && buf.length === 1) {
        ws.send('3');
        return;
      }
      if (c0 === C_0 && state === 'opening') {
        state = 'connecting';
        ws.send(`40${JSON.stringify(auth)}`);
        return;
      }
      if (c0 === C_1) ws.close();
    });
    ws.on('error', (e) => fail(e));
    ws.on('close', () => {
      const wasOpen = state === 'open';
      fail(new Error('closed before connect'));
      state = 'closed';
      for (const cb of pending.values()) cb(new Error('connection closed'));
      pending.clear();
      if (wasOpen && onClose) onClose();
    });
  });
}

function connectRaw({ url, auth, onEvent, onClose, timeoutMs = 15_000 }) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    u.protocol = 'ws:';
    u.searchParams.set('token', auth.token);
    u.searchParams.set('appID', auth.appID);
    const ws = new WebSocket(u.toString(), { perMessageDeflate: false, skipUTF8Validation: true });
    const pending = new Map();
    let nextId = 1;
    const conn = {
      ws,
      request(event, data, cb) {
        const id = nextId++;
        pending.set(id, cb);
        ws.send(JSON.stringify({ t: event, id, ...data }));
      },
      requestRaw(json, cb) {
        // json is `[event, data]`; the raw protocol wants `{t, id, ...data}`.
        const [event, data] = JSON.parse(json);
        conn.request(event, data, cb);
      },
      send(event, data) {
        ws.send(JSON.stringify({ t: event, ...data }));
      },
    };
    plainLifecycle(ws, conn, pending, { onClose, timeoutMs, resolve, reject });
    ws.on('message', (buf) => {
      if (startsWith(buf, RAW_EVENT_PREFIX)) {
        if (onEvent) onEvent(buf);
        return;
      }
      let m;
      try {
        m = JSON.parse(buf.toString());
      } catch {
        return;
      }
      if (m.t === 'ack') {
        const cb = pending.get(m.id);
        if (cb) {
          pending.delete(m.id);
          cb(null, m);
        }
      }
    });
  });
}

/**
 * Opening, refusal, errors and closing of a plain WebSocket client (raw ws, `/optimized`): resolves
 * with `conn` once open, rejects on a timeout, an HTTP refusal or an error before that; on close,
 * fails what is pending and calls `onClose` if it had been open. Adds `conn.close()` and
 * `conn.pendingCount`.
 */
function plainLifecycle(ws, conn, pending, { onClose, timeoutMs, resolve, reject }) {
  const state = { open: false };
  conn.close = () => {
    state.open = false;
    ws.close();
  };
  Object.defineProperty(conn, 'pendingCount', { get: () => pending.size });
  const timer = setTimeout(() => {
    ws.terminate();
    reject(new Error('connect timeout'));
  }, timeoutMs);
  ws.on('open', () => {
    clearTimeout(timer);
    state.open = true;
    resolve(conn);
  });
  ws.on('unexpected-response', (_req, res) => {
    clearTimeout(timer);
    reject(new Error(`refused: HTTP ${res.statusCode}`));
    ws.terminate();
  });
  ws.on('error', (e) => {
    clearTimeout(timer);
    if (!state.open) reject(e);
  });
  ws.on('close', () => {
    clearTimeout(timer);
    const was = state.open;
    state.open = false;
    for (const cb of pending.values()) cb(new Error('connection closed'));
    pending.clear();
    if (was && onClose) onClose();
  });
}

// ---- /optimized ----------------------------------------------------------------------------------

/** NewEvent.NewEventType values used here. */
export const OPT_SUBSCRIBE = 4;
export const OPT_PUBLISH = 5;
export const OPT_ACK = 6;
const TAG_TYPE = 0x08; // NewEvent.type: field 1, varint
const TAG_PAYLOAD = 0x12; // NewEvent.payload: field 2, length-delimited

/** A protobuf varint (a non-negative integer < 2^53). */
function varint(n) {
  const bytes = [];
  while (n > 0x7f) {
    bytes.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

const fieldString = (tag, text) => {
  if (!text) return [];
  const b = Buffer.from(text, 'utf8');
  return [Buffer.from([tag]), varint(b.length), b];
};
const fieldVarint = (tag, n) => (n ? [Buffer.from([tag]), varint(n)] : []);

/** `NewEvent {type, payload: body}` as a proto3 encoder writes it (defaults left out). */
export function optimizedFrame(type, body) {
  return Buffer.concat([
    ...fieldVarint(TAG_TYPE, type),
    ...(body.length ? [Buffer.from([TAG_PAYLOAD]), varint(body.length), body] : []),
  ]);
}

/** SUBSCRIBE: `SubscribeRequest {channelID = 1; ID = 2}`. */
export const optimizedSubscribe = (channelID, id) =>
  optimizedFrame(OPT_SUBSCRIBE, Buffer.concat([...fieldString(0x0a, channelID), ...fieldVarint(0x10, id)]));

/** PUBLISH: `PublishRequest {ID = 1; eventType = 2; channelID = 3; payload = 4}`. */
export const optimizedPublish = (id, eventType, channelID, payload) =>
  optimizedFrame(
    OPT_PUBLISH,
    Buffer.concat([
      ...fieldVarint(0x08, id),
      ...fieldString(0x12, eventType),
      ...fieldString(0x1a, channelID),
      ...fieldString(0x22, payload),
    ]),
  );

/** Reads a varint at `at`: [value, next offset], or null past the end. */
function readVarint(buf, at) {
  let value = 0;
  let scale = 1;
  while (at < buf.length) {
    const b = buf[at++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at];
    scale *= 0x80;
  }
  return null;
}

/** A frame's NewEvent type (the enum's default 0 when the field is absent), or -1 if unreadable. */
export function optimizedType(buf) {
  if (buf.length === 0 || buf[0] !== TAG_TYPE) return 0;
  const v = readVarint(buf, 1);
  return v ? v[0] : -1;
}

/**
 * `PublishAck {replyTo = 1; status = 2}` out of an ACK frame, by hand; null if it is not one.
 * Only what the server writes: NewEvent {type, payload} with the ack's two varint fields.
 */
export function optimizedAck(buf) {
  let at = 0;
  let payload = null;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    if (!tag) return null;
    at = tag[1];
    if (tag[0] === TAG_TYPE) {
      const v = readVarint(buf, at);
      if (!v) return null;
      if (v[0] !== OPT_ACK) return null;
      at = v[1];
    } else if (tag[0] === TAG_PAYLOAD) {
      const len = readVarint(buf, at);
      if (!len || len[1] + len[0] > buf.length) return null;
      payload = buf.subarray(len[1], len[1] + len[0]);
      at = len[1] + len[0];
    } else return null;
  }
  const ack = { replyTo: 0, status: false };
  if (!payload) return ack;
  at = 0;
  while (at < payload.length) {
    const tag = readVarint(payload, at);
    const v = tag && readVarint(payload, tag[1]);
    if (!v) return null;
    if (tag[0] === 0x08) ack.replyTo = v[0];
    else if (tag[0] === 0x10) ack.status = v[0] !== 0;
    else return null;
    at = v[1];
  }
  return ack;
}

export function optimizedUrl(base, auth) {
  const u = new URL(base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/optimized';
  u.search = '';
  u.searchParams.set('Authorization', auth.token);
  u.searchParams.set('AppID', auth.appID);
  return u.toString();
}

/**
 * The `/optimized` connection, with the same interface as the others: `request('subscribe',
 * {channels})` sends one SUBSCRIBE per channel and answers `{ok, results}` once every ACK arrived;
 * `request('publish', {channelID, eventType, payload})` and `publishText(...)` send a PUBLISH with
 * an ID (acknowledged, stored on a persistent channel) and answer `{ok: status}`.
 */
function connectOptimized({ url, auth, onEvent, onClose, timeoutMs = 15_000 }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(optimizedUrl(url, auth), { perMessageDeflate: false, skipUTF8Validation: true });
    const pending = new Map(); // ID → (ack) => void
    let nextId = 1;
    const send = (frame, cb) => {
      const id = nextId++;
      if (nextId > 0xffffffff) nextId = 1; // uint32 on the wire, never 0
      pending.set(id, cb);
      ws.send(frame(id), { binary: true });
    };
    const publish = (channelID, eventType, payload, cb) =>
      send(
        (id) => optimizedPublish(id, eventType, channelID, payload),
        (err, ack) => cb(err, ack && { ok: ack.status === true }),
      );
    const conn = {
      ws,
      request(event, data, cb) {
        if (event === 'subscribe') {
          const channels = data.channels ?? [];
          const results = {};
          let left = channels.length;
          let failed;
          if (!left) return cb(null, { ok: true, results });
          for (const c of channels) {
            send(
              (id) => optimizedSubscribe(c, id),
              (err, ack) => {
                if (err) failed ??= err;
                results[c] = { ok: ack?.status === true };
                if (--left === 0) {
                  if (failed) cb(failed);
                  else cb(null, { ok: Object.values(results).every((r) => r.ok), results });
                }
              },
            );
          }
        } else if (event === 'publish') {
          const p = data.payload;
          publish(data.channelID, data.eventType, typeof p === 'string' ? p : JSON.stringify(p), cb);
        } else cb(new Error(`/optimized has no ${event} request`));
      },
      requestRaw(json, cb) {
        const [event, data] = JSON.parse(json);
        conn.request(event, data, cb);
      },
      /** The publishers' hot path: the payload is the event's text as it is. */
      publishText: publish,
      send() {
        throw new Error('/optimized: fire-and-forget requests are not used by the harness');
      },
    };
    plainLifecycle(ws, conn, pending, { onClose, timeoutMs, resolve, reject });
    ws.on('message', (buf, isBinary) => {
      if (!isBinary) return;
      // Hot path: `08 05` is type PUBLISH (types < 128 are one varint byte).
      if (buf[0] === TAG_TYPE && buf[1] === OPT_PUBLISH) {
        if (onEvent) onEvent(buf);
        return;
      }
      if (buf[0] === TAG_TYPE && buf[1] === OPT_ACK) {
        const ack = optimizedAck(buf);
        const cb = ack && pending.get(ack.replyTo);
        if (cb) {
          pending.delete(ack.replyTo);
          cb(null, ack);
        }
      }
      // INITIAL_ONLINE_STATUS, membership and presence frames: not used by the harness.
    });
  });
}

// ---- SSE -----------------------------------------------------------------------------------------

/** `event: event\n` — the line of every SSE message carrying a channel event. */
export const SSE_EVENT_LINE = Buffer.from('event: event\n');
const SSE_READY_LINE = Buffer.from('event: ready\n');
const SSE_REFUSED_LINE = Buffer.from('event: subscribe_error\n');
const LF = 0x0a;
const CR = 0x0d;
const BLANK_LINE = Buffer.from('\n\n');
const HEAD_END = Buffer.from('\r\n\r\n');

function startsWithAt(buf, at, prefix) {
  if (buf.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

/** Where a message's `event:` line starts: after its `id:` line, if it has one. */
function eventLineAt(buf, start) {
  if (buf[start] === 0x69 && buf[start + 1] === 0x64 && buf[start + 2] === 0x3a) {
    const nl = buf.indexOf(LF, start);
    return nl === -1 ? -1 : nl + 1;
  }
  return start;
}

/**
 * The body of an SSE response as it comes off the socket: `feed(buf)` with every read; calls
 * `onMessage(buf, start, end)` for each complete message (its lines, without the blank line that
 * ends it) and `onEnd()` at the last chunk. `chunked`: the body has the chunked transfer coding.
 * The gateway ends its lines with `\n` only; a message may straddle reads and chunks.
 */
export function sseBodyReader({ chunked, onMessage, onEnd = () => undefined }) {
  let carry = null; // the start of an unfinished message
  // Chunked transfer coding: SIZE (hex digits, maybe `;ext`, up to LF) → DATA (`left` bytes) →
  // DATA_END (CRLF) → SIZE …; a size of 0 is the last chunk.
  const SIZE = 0;
  const EXT = 1;
  const DATA = 2;
  const DATA_END = 3;
  const DONE = 4;
  let state = SIZE;
  let left = 0;
  const segments = [];

  function messages(data) {
    let pos = 0;
    for (;;) {
      const end = data.indexOf(BLANK_LINE, pos);
      if (end === -1) break;
      if (end > pos) onMessage(data, pos, end);
      pos = end + 2;
    }
    carry = pos < data.length ? data.subarray(pos) : null;
  }

  function unchunk(buf) {
    let i = 0;
    while (i < buf.length && state !== DONE) {
      if (state === DATA) {
        const n = Math.min(left, buf.length - i);
        segments.push(buf.subarray(i, i + n));
        i += n;
        left -= n;
        if (left === 0) state = DATA_END;
        continue;
      }
      const c = buf[i++];
      if (state === SIZE) {
        if (c === LF) {
          if (left === 0) {
            state = DONE;
            onEnd();
          } else state = DATA;
        } else if (c === 0x3b) state = EXT;
        else if (c !== CR) {
          const d = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
          if (d < 0 || d > 15) throw new Error(`malformed chunk size byte 0x${c.toString(16)}`);
          left = left * 16 + d;
        }
      } else if (state === EXT) {
        if (c === LF) {
          if (left === 0) {
            state = DONE;
            onEnd();
          } else state = DATA;
        }
      } else if (c === LF) {
        // DATA_END: the CRLF after a chunk's data
        state = SIZE;
        left = 0;
      }
    }
  }

  return function feed(buf) {
    if (!chunked) {
      messages(carry ? Buffer.concat([carry, buf]) : buf);
      return;
    }
    unchunk(buf);
    if (segments.length === 0) return;
    if (carry) segments.unshift(carry);
    const data = segments.length === 1 ? segments[0] : Buffer.concat(segments);
    segments.length = 0;
    messages(data);
  };
}

/** The `data:` of an SSE message (one `data:` line, as the gateway writes them), parsed. */
export function sseData(buf, start = 0, end = buf.length) {
  const at = buf.indexOf('\ndata: ', start);
  const from =
    at !== -1 && at < end ? at + 7 : startsWithAt(buf, start, Buffer.from('data: ')) ? start + 6 : -1;
  if (from === -1) return undefined;
  const nl = buf.indexOf(LF, from);
  return JSON.parse(buf.toString('utf8', from, nl === -1 || nl > end ? end : nl));
}

export function sseUrl(base, channels) {
  const u = new URL(base);
  u.pathname = '/sse';
  u.search = '';
  for (const c of channels) u.searchParams.append('channel', c);
  return u;
}

/**
 * An SSE stream of `channels`, with the same interface as the others: it resolves once `ready`
 * arrived (every channel subscribed or refused); `request('subscribe', {channels})` answers from
 * `ready` (a stream's channels are the ones it was opened with). Read-only: no publish.
 */
function connectSse({ url, auth, channels = [], onEvent, onClose, timeoutMs = 15_000 }) {
  return new Promise((resolve, reject) => {
    const u = sseUrl(url, channels);
    const sock = netConnect({ host: u.hostname, port: Number(u.port || 80), noDelay: true });
    let state = 'head'; // head → opening (until ready) → open → closed
    let head = null;
    let ready;
    let feed;
    const conn = {
      socket: sock,
      channels,
      request(event, data, cb) {
        if (event !== 'subscribe') return cb(new Error(`SSE has no ${event} request`));
        const same = (data.channels ?? []).every((c) => channels.includes(c));
        if (!same) return cb(new Error('an SSE stream subscribes only the channels it was opened with'));
        const results = {};
        for (const c of data.channels ?? [])
          results[c] = { ok: !!ready?.channels?.[c] && !ready.channels[c].error };
        cb(null, { ok: Object.values(results).every((r) => r.ok), results });
      },
      requestRaw() {
        throw new Error('SSE streams do not publish');
      },
      send() {
        throw new Error('SSE streams do not publish');
      },
      close() {
        state = 'closed';
        sock.destroy();
      },
      pendingCount: 0,
    };
    const timer = setTimeout(() => fail(new Error('connect timeout')), timeoutMs);
    function fail(err) {
      clearTimeout(timer);
      if (state === 'head' || state === 'opening') {
        state = 'closed';
        sock.destroy();
        reject(err);
      }
    }
    const onMessage = (buf, start, end) => {
      const e = eventLineAt(buf, start);
      if (e === -1) return;
      if (state === 'open') {
        if (startsWithAt(buf, e, SSE_EVENT_LINE) && onEvent) onEvent(buf.subarray(start, end));
        return;
      }
      if (startsWithAt(buf, e, SSE_READY_LINE)) {
        try {
          ready = sseData(buf, start, end);
        } catch (err) {
          fail(new Error(`unreadable ready: ${err.message}`));
          return;
        }
        clearTimeout(timer);
        state = 'open';
        resolve(conn);
      } else if (startsWithAt(buf, e, SSE_REFUSED_LINE)) {
        // The other channels would stream; the harness wants all of them.
        fail(new Error(`subscribe refused: ${buf.toString('utf8', start, end)}`));
      }
    };
    sock.on('connect', () => {
      const headers = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        `Authorization: ${auth.token}`,
        `AppID: ${auth.appID}`,
        'Accept: text/event-stream',
      ];
      sock.write(`${headers.join('\r\n')}\r\n\r\n`);
    });
    const onData = (buf) => {
      if (feed) {
        try {
          feed(buf);
        } catch (err) {
          fail(err);
          sock.destroy();
        }
        return;
      }
      head = head ? Buffer.concat([head, buf]) : buf;
      const end = head.indexOf(HEAD_END);
      if (end === -1) return;
      const text = head.toString('latin1', 0, end);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]);
      const rest = head.subarray(end + 4);
      head = null;
      if (status !== 200) {
        fail(new Error(`refused: HTTP ${status} ${rest.toString('utf8', 0, 300)}`));
        return;
      }
      state = 'opening';
      feed = sseBodyReader({
        chunked: /\r\ntransfer-encoding:[^\r]*chunked/i.test(text),
        onMessage,
        onEnd: () => sock.end(),
      });
      if (rest.length) onData(rest);
    };
    sock.on('data', onData);
    sock.on('error', (err) => fail(err));
    sock.on('close', () => {
      const was = state === 'open';
      fail(new Error('closed before ready'));
      state = 'closed';
      if (was && onClose) onClose();
    });
  });
}

/** Promise form of `conn.request`. */
export function requestAsync(conn, event, data, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${event}: no ack within ${timeoutMs} ms`)), timeoutMs);
    conn.request(event, data, (err, ack) => {
      clearTimeout(t);
      if (err) reject(err);
      else resolve(ack);
    });
  });
}

/** True when a subscribe ack says every channel was subscribed (Channels: per-channel results). */
export function subscribeAckOk(ack, channels) {
  if (!ack || ack.ok !== true) return false;
  if (ack.results) return channels.every((c) => ack.results[c]?.ok === true);
  return true;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) {
      const k = i++;
      await fn(items[k], k);
    }
  });
  await Promise.all(workers);
}

/**
 * HS256 JWT with claims {Role:'Client', ClientID, AppID, iat} — the same token `jsonwebtoken`
 * or `signToken` produce, signed with one HMAC (jsonwebtoken costs ~0.4 ms per token here, which
 * would make the load generator, not the server, the bottleneck when opening 5,000 connections).
 */
export function clientToken(secret, appID, clientID) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ Role: 'Client', ClientID: clientID, AppID: appID, iat: Math.floor(Date.now() / 1000) })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
