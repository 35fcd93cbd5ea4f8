// Publisher worker: publishing connections in their own process (never the subscribers').
//
//   {cmd:'connect', spec}  → {type:'connected', ok, failed, firstError}
//       spec: {protocol:'sio'|'raw'|'optimized', waitFor?, appID, jwtSecret, clientPrefix,
//              publishers:[{url, channels:[...]}]}
//   {cmd:'run', plan}      → {type:'done', sent, acked, failed, firstError, perChannel, ackHist, elapsedMs}
//       plan: {mode:'flat'|'rate', rate?, window?, durationMs, payloadBytes?, maxInFlight?}
//       flat: each connection keeps `window` publishes in flight (acked flow control) until durationMs;
//       rate: `rate` publishes/s in total, spread evenly over (connection, channel) pairs.
//       After durationMs it stops sending and waits (≤ 15 s) for the outstanding acks.
//   {cmd:'mark'}           → {type:'mark', sent, acked, t}
//   {cmd:'close'}
//
// Every payload carries `bt`, the send time in µs on the machine-wide monotonic clock, which the
// subscribers subtract from their receive time.
import { clientToken as token, connect, pool } from '../lib/wire.mjs';
import { Histogram, nowUs } from '../lib/stats.mjs';

const pubs = []; // {conn, channels, next}
let sent = 0;
let acked = 0;
let failed = 0;
let firstError;

async function connectAll(s) {
  let ok = 0;
  let bad = 0;
  let err;
  await pool(s.publishers, 20, async (p, i) => {
    try {
      const auth = { token: token(s.jwtSecret, s.appID, `${s.clientPrefix}${i}`), appID: s.appID };
      const conn = await connect({ protocol: s.protocol, url: p.url, auth, waitFor: s.waitFor });
      pubs.push({ conn, channels: p.channels, next: 0 });
      ok++;
    } catch (e) {
      bad++;
      err ??= e.message;
    }
  });
  return { type: 'connected', ok, failed: bad, firstError: err };
}

function run(plan) {
  sent = 0;
  acked = 0;
  failed = 0;
  firstError = undefined;
  return new Promise((resolve) => {
    const pad = 'x'.repeat(Math.max(0, (plan.payloadBytes ?? 64) - 40));
    const perChannel = {};
    const ackHist = new Histogram();
    const started = Date.now();
    const stopAt = started + plan.durationMs;
    const maxInFlight = plan.maxInFlight ?? 2000;
    let stopped = false;
    let seq = 0;

    const publish = (p, channelID, onAck) => {
      const t = nowUs();
      const payload = `{"bt":${t},"s":${seq++},"pad":"${pad}"}`;
      sent++;
      const onReply = (err, ack) => {
        ackHist.record(nowUs() - t);
        if (err || !ack || ack.ok !== true) {
          failed++;
          firstError ??= err ? err.message : JSON.stringify(ack).slice(0, 300);
        } else {
          acked++;
          perChannel[channelID] = (perChannel[channelID] ?? 0) + 1;
        }
        if (onAck) onAck();
      };
      // `/optimized` carries the payload as text: the same JSON text, sent as a string.
      if (p.conn.publishText) p.conn.publishText(channelID, 'bench', payload, onReply);
      else
        p.conn.requestRaw(
          `["publish",{"channelID":${JSON.stringify(channelID)},"eventType":"bench","payload":${payload}}]`,
          onReply,
        );
    };

    const finish = () => {
      const deadline = Date.now() + 15_000;
      const check = () => {
        const inFlight = pubs.reduce((n, p) => n + p.conn.pendingCount, 0);
        if (inFlight === 0 || Date.now() > deadline) {
          resolve({
            type: 'done',
            sent,
            acked,
            failed,
            unacked: inFlight,
            firstError,
            perChannel,
            ackHist: ackHist.toJSON(),
            elapsedMs: Date.now() - started,
            sendMs: plan.durationMs,
          });
        } else setTimeout(check, 20);
      };
      check();
    };

    if (plan.mode === 'flat') {
      const window = plan.window ?? 16;
      const pump = (p) => {
        if (stopped) return;
        if (Date.now() >= stopAt) {
          stopped = true;
          finish();
          return;
        }
        publish(p, p.channels[p.next++ % p.channels.length], () => pump(p));
      };
      for (const p of pubs) for (let i = 0; i < window; i++) pump(p);
      // Guarantees the end even if every ack stalls.
      setTimeout(() => {
        if (!stopped) {
          stopped = true;
          finish();
        }
      }, plan.durationMs + 50);
      return;
    }

    // Fixed rate: a 1 ms tick sends whatever is due, round-robin over (connection, channel).
    const pairs = [];
    const widest = Math.max(...pubs.map((p) => p.channels.length));
    for (let i = 0; i < widest; i++)
      for (const p of pubs) if (i < p.channels.length) pairs.push([p, p.channels[i]]);
    let k = 0;
    let due = 0;
    const tick = setInterval(() => {
      const now = Date.now();
      if (now >= stopAt) {
        clearInterval(tick);
        stopped = true;
        finish();
        return;
      }
      const target = Math.floor(((now - started) / 1000) * plan.rate);
      due = target - sent;
      while (due-- > 0) {
        const [p, channelID] = pairs[k++ % pairs.length];
        if (p.conn.pendingCount >= maxInFlight) {
          // The server stopped acking: count it as not sent rather than queue without bound.
          failed++;
          firstError ??= `more than ${maxInFlight} publishes in flight on one connection`;
          sent++;
          continue;
        }
        publish(p, channelID);
      }
    }, 1);
  });
}

process.on('message', async (msg) => {
  if (msg.cmd === 'connect') process.send(await connectAll(msg.spec));
  else if (msg.cmd === 'run') process.send(await run(msg.plan));
  else if (msg.cmd === 'mark') process.send({ type: 'mark', sent, acked, t: nowUs() });
  else if (msg.cmd === 'close') {
    for (const p of pubs) p.conn.close();
    setTimeout(() => process.exit(0), 200).unref();
    process.send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'hello', pid: process.pid });
