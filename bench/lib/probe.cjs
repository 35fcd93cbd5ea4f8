// Measurement probe preloaded into every server under test (`node --require bench/lib/probe.cjs`,
// enabled by BENCH_PROBE_DIR). It changes nothing in the server's behaviour; it only observes:
//
// - inbound Redis pub/sub messages: every TCP connection the process opens to the Redis port gets
//   one extra 'data' listener that counts RESP push frames of kind `message`, `pmessage` and
//   `smessage` (RESP2 arrays and RESP3 pushes alike), whatever Redis client library the server
//   uses. This is the figure "how many Redis messages did this node have to read".
// - memory: `process.memoryUsage()`.
//
// It writes `${BENCH_PROBE_DIR}/${pid}.json` once at start (so the runner knows the probe is there
// and may signal the process) and then only on SIGUSR2 — never on a timer, so the server's event
// loop sees no extra work while it is measured. When `${BENCH_PROBE_DIR}/${pid}.gc` exists at the
// signal, it first runs a full GC (--expose-gc) and removes the file. Counting costs one
// Buffer.indexOf per marker per received chunk.
'use strict';
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const redisPort = Number(process.env.BENCH_PROBE_REDIS_PORT || 6379);
  // Bulk strings naming the push kind. A payload containing one of these byte sequences verbatim
  // would be over-counted; the load generator's payloads never do.
  const MARKERS = [
    Buffer.from('\r\n$7\r\nmessage\r\n'),
    Buffer.from('\r\n$8\r\npmessage\r\n'),
    Buffer.from('\r\n$8\r\nsmessage\r\n'),
  ];
  const stats = {
    pid: process.pid,
    redisMessages: 0,
    redisBytes: 0,
    redisConnections: 0,
    at: 0,
    memory: null,
  };

  const TAIL = 15; // longest marker - 1
  const countAll = (buf, m) => {
    let n = 0;
    for (let at = buf.indexOf(m); at !== -1; at = buf.indexOf(m, at + m.length)) n++;
    return n;
  };
  // Markers inside the chunk, plus markers straddling the previous chunk's tail and this chunk.
  const countIn = (chunk, tail) => {
    let n = 0;
    for (const m of MARKERS) n += countAll(chunk, m);
    if (tail.length) {
      const joint = Buffer.concat([tail, chunk.subarray(0, TAIL)]);
      for (const m of MARKERS) {
        for (let at = joint.indexOf(m); at !== -1 && at < tail.length; at = joint.indexOf(m, at + 1)) {
          if (at + m.length > tail.length) n++;
        }
      }
    }
    return n;
  };

  const origConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function patchedConnect(...args) {
    const first = args[0];
    const port = Array.isArray(first)
      ? first[0] && Number(first[0].port)
      : typeof first === 'object' && first !== null
        ? Number(first.port)
        : Number(first);
    if (port === redisPort && !this.__benchProbe) {
      this.__benchProbe = true;
      stats.redisConnections++;
      let tail = Buffer.alloc(0);
      this.on('data', (chunk) => {
        if (typeof chunk === 'string') chunk = Buffer.from(chunk);
        stats.redisBytes += chunk.length;
        stats.redisMessages += countIn(chunk, tail);
        tail = Buffer.from(
          chunk.length >= TAIL
            ? chunk.subarray(chunk.length - TAIL)
            : Buffer.concat([tail, chunk]).subarray(-TAIL),
        );
      });
    }
    return origConnect.apply(this, args);
  };

  const file = path.join(dir, `${process.pid}.json`);
  const gcRequest = `${path.join(dir, String(process.pid))}.gc`;
  const write = () => {
    stats.at = Date.now();
    stats.memory = process.memoryUsage();
    try {
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(stats));
      fs.renameSync(`${file}.tmp`, file);
    } catch {
      // The run directory may already be gone while the server shuts down.
    }
  };
  process.on('SIGUSR2', () => {
    if (fs.existsSync(gcRequest)) {
      fs.rmSync(gcRequest, { force: true });
      if (typeof global.gc === 'function') {
        global.gc();
        global.gc();
      }
    }
    write();
  });
  write();
}
