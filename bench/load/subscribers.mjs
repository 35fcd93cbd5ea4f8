// Subscriber worker: holds many subscriber connections in one process and counts what arrives.
// Driven by the runner over the Node IPC channel:
//
//   {cmd:'connect', spec}  → {type:'connected', ok, failed, firstError, ms}
//       spec: {protocol:'sio'|'raw'|'optimized'|'sse'|'sio-real', waitFor?, appID, jwtSecret, clientPrefix,
//              groups:[{url, channels:[...], count}], concurrency?, storedChannels?}
//       spec.subscribe === false: connect only; {cmd:'subscribe'} later → {type:'subscribed', ok, failed, firstError}
//       (an SSE stream is subscribed to its channels once open; its subscribe answers from `ready`)
//   {cmd:'mark', reset}    → {type:'mark', total, window, hist, t, disconnects, badFrames, verified}
//       `window`/`hist` cover the time since the previous mark; reset starts a new window.
//   {cmd:'close'}          → closes every connection and exits.
//
// Per delivered frame the hot path does one prefix compare, one Buffer.indexOf and reads the
// publisher's send timestamp (`"bt":<µs>` in the payload) — no JSON parsing, no string copies.
// `/optimized` (protocol 'optimized'): the connection hands over binary frames whose type byte says
// PUBLISH; one in VERIFY_EVERY of them (and the first) is also decoded in full with protobufjs from
// optimized.proto and must be a PUBLISH ChannelEvent of a subscribed channel carrying the
// publisher's payload — otherwise it counts as a bad frame. `verified` counts the frames checked.
// SSE (protocol 'sse'): the connection hands over whole `event: event` messages; the same sample
// must have a `data:` that parses as a channel event of a subscribed channel carrying the
// publisher's payload, and an `id:` line exactly when the event is stored (spec.storedChannels:
// every event; otherwise none).
import { fileURLToPath } from 'node:url';
import { clientToken as token, connect, pool, requestAsync, subscribeAckOk } from '../lib/wire.mjs';
import { Histogram, nowUs, readAsciiNumber } from '../lib/stats.mjs';

const VERIFY_EVERY = 256;
const OPTIMIZED_PROTO = fileURLToPath(
  new URL('../../libs/contracts/src/lib/optimized/optimized.proto', import.meta.url),
);

const BT = Buffer.from('"bt":');
const hist = new Histogram();
let total = 0;
let windowCount = 0;
let badFrames = 0;
let disconnects = 0;
let verified = 0;
const conns = [];
/** Set for `/optimized`: the full check of a sampled frame (true when it is what was published). */
let verifyFrame = null;

function onEvent(buf) {
  total++;
  windowCount++;
  if (verifyFrame !== null && total % VERIFY_EVERY === 1) {
    verified++;
    if (!verifyFrame(buf)) {
      badFrames++;
      return;
    }
  }
  const at = buf.indexOf(BT, 10);
  if (at === -1) {
    badFrames++;
    return;
  }
  const sent = readAsciiNumber(buf, at + BT.length);
  if (Number.isNaN(sent)) {
    badFrames++;
    return;
  }
  hist.record(nowUs() - sent);
}

/** The full decode of a PUBLISH frame, from the schema file (not from the server's code). */
async function optimizedVerifier(channels) {
  const { default: protobuf } = await import('protobufjs');
  const root = new protobuf.Root().loadSync(OPTIMIZED_PROTO, { keepCase: true });
  const NewEvent = root.lookupType('NewEvent');
  const ChannelEvent = root.lookupType('ChannelEvent');
  const PUBLISH = root.lookupEnum('NewEvent.NewEventType').values.PUBLISH;
  const known = new Set(channels);
  return (buf) => {
    try {
      const frame = NewEvent.decode(buf);
      if (frame.type !== PUBLISH) return false;
      const ev = ChannelEvent.toObject(ChannelEvent.decode(frame.payload), { longs: Number, defaults: true });
      const nowSec = Date.now() / 1000;
      return (
        known.has(ev.channelID) &&
        ev.eventType === 'bench' &&
        ev.senderID.length > 0 &&
        Math.abs(ev.timestamp - nowSec) < 120 &&
        typeof JSON.parse(ev.payload).bt === 'number'
      );
    } catch {
      return false;
    }
  };
}

/**
 * The check of a sampled SSE message: `event: event` and a channel event of a subscribed channel
 * as `data:`, with an `id:` line exactly when the event is stored (has an offset and epoch) — which
 * is every event when the channels are persistent (`stored`), none otherwise.
 */
function sseVerifier(channels, stored) {
  const known = new Set(channels);
  return (buf) => {
    try {
      const lines = buf.toString('utf8').split('\n');
      const hasId = lines[0].startsWith('id: ');
      if (hasId && !/^id: [A-Za-z0-9_-]+$/.test(lines[0])) return false;
      const at = hasId ? 1 : 0;
      if (lines.length !== at + 2 || lines[at] !== 'event: event' || !lines[at + 1].startsWith('data: '))
        return false;
      const ev = JSON.parse(lines[at + 1].slice(6));
      const isStored = Number.isInteger(ev.offset) && typeof ev.epoch === 'string';
      return (
        known.has(ev.channelID) &&
        ev.eventType === 'bench' &&
        typeof ev.id === 'string' &&
        typeof ev.senderID === 'string' &&
        typeof ev.payload?.bt === 'number' &&
        isStored === stored &&
        hasId === isStored
      );
    } catch {
      return false;
    }
  };
}

async function openReal({ url, auth, channels }) {
  // Cross-check mode: the real socket.io-client, parsing everything the way an application does.
  const { io } = await import('socket.io-client');
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  socket.on('event', (ev) => {
    total++;
    windowCount++;
    const sent = ev?.payload?.bt;
    if (typeof sent !== 'number') badFrames++;
    else hist.record(nowUs() - sent);
  });
  socket.on('disconnect', () => disconnects++);
  const ack = await socket.timeout(15_000).emitWithAck('subscribe', { channels });
  if (!subscribeAckOk(ack, channels)) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  return { close: () => socket.close() };
}

async function subscribeOne(conn, channels) {
  const ack = await requestAsync(conn, 'subscribe', { channels });
  if (!subscribeAckOk(ack, channels)) {
    throw new Error(`subscribe refused: ${JSON.stringify(ack).slice(0, 300)}`);
  }
}

async function openOne(spec, item) {
  const auth = { token: token(spec.jwtSecret, spec.appID, item.clientID), appID: spec.appID };
  if (spec.protocol === 'sio-real') return openReal({ url: item.url, auth, channels: item.channels });
  const conn = await connect({
    protocol: spec.protocol,
    url: item.url,
    auth,
    waitFor: spec.waitFor,
    channels: item.channels,
    onEvent,
    onClose: () => disconnects++,
  });
  conn.channels = item.channels;
  if (spec.subscribe === false) return conn;
  const ack = await requestAsync(conn, 'subscribe', { channels: item.channels });
  if (!subscribeAckOk(ack, item.channels)) {
    conn.close();
    throw new Error(`subscribe refused: ${JSON.stringify(ack).slice(0, 300)}`);
  }
  return conn;
}

async function connectAll(spec) {
  const started = Date.now();
  const items = [];
  let n = 0;
  for (const g of spec.groups) {
    for (let i = 0; i < g.count; i++)
      items.push({ url: g.url, channels: g.channels, clientID: `${spec.clientPrefix}${n++}` });
  }
  if (spec.protocol === 'optimized')
    verifyFrame = await optimizedVerifier(spec.groups.flatMap((g) => g.channels));
  if (spec.protocol === 'sse')
    verifyFrame = sseVerifier(
      spec.groups.flatMap((g) => g.channels),
      spec.storedChannels === true,
    );
  let ok = 0;
  let failed = 0;
  let firstError;
  await pool(items, spec.concurrency ?? 100, async (item) => {
    try {
      conns.push(await openOne(spec, item));
      ok++;
    } catch (e) {
      failed++;
      firstError ??= e.message;
    }
  });
  return { type: 'connected', ok, failed, firstError, ms: Date.now() - started };
}

process.on('message', async (msg) => {
  if (msg.cmd === 'connect') {
    process.send(await connectAll(msg.spec));
  } else if (msg.cmd === 'subscribe') {
    let ok = 0;
    let failed = 0;
    let firstError;
    await pool(conns, 100, async (c) => {
      try {
        await subscribeOne(c, c.channels);
        ok++;
      } catch (e) {
        failed++;
        firstError ??= e.message;
      }
    });
    process.send({ type: 'subscribed', ok, failed, firstError });
  } else if (msg.cmd === 'mark') {
    process.send({
      type: 'mark',
      total,
      window: windowCount,
      hist: hist.toJSON(),
      t: nowUs(),
      disconnects,
      badFrames,
      verified,
    });
    if (msg.reset) {
      windowCount = 0;
      hist.reset();
    }
  } else if (msg.cmd === 'close') {
    for (const c of conns) c.close();
    setTimeout(() => process.exit(0), 200).unref();
    process.send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'hello', pid: process.pid });
