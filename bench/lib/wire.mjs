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
import { createHmac } from 'node:crypto';
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
 * options: { protocol: 'sio' | 'raw', url, auth: {token, appID}, waitFor?: string,
 *            onEvent?: (frame: Buffer) => void, onClose?: () => void, timeoutMs? }
 * The connection object: { request(event, data, cb(err, ack)), send(event, data), close(), ws }.
 */
export function connect(options) {
  return options.protocol === 'raw' ? connectRaw(options) : connectSio(options);
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
    let open = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timeout'));
    }, timeoutMs);
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
      close() {
        open = false;
        ws.close();
      },
      get pendingCount() {
        return pending.size;
      },
    };
    ws.on('open', () => {
      clearTimeout(timer);
      open = true;
      resolve(conn);
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`refused: HTTP ${res.statusCode}`));
    });
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
    ws.on('error', (e) => {
      clearTimeout(timer);
      if (!open) reject(e);
    });
    ws.on('close', () => {
      clearTimeout(timer);
      const was = open;
      open = false;
      for (const cb of pending.values()) cb(new Error('connection closed'));
      pending.clear();
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
