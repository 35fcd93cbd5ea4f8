// Self-test of the harness's SSE client (`node --test bench/`); not part of CI.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { connect, sseBodyReader, sseData } from './wire.mjs';

const event = (i, channelID = 'c') =>
  `id: AQ${i}\nevent: event\ndata: ${JSON.stringify({ id: `e${i}`, channelID, offset: i, epoch: 'ab', eventType: 'bench', payload: { bt: 1000 + i, pad: 'x'.repeat(i % 50) } })}\n\n`;

/** Cuts `buf` into pieces of 1–23 bytes, so that every boundary falls somewhere mid-message. */
function cuts(buf) {
  const out = [];
  for (let at = 0, k = 0; at < buf.length; k++) {
    const n = 1 + ((k * 31) % 23);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

test('the SSE reader undoes the chunked coding and finds every message, however the reads are cut', () => {
  const writes = ['retry: 1000\n\n', ': hb\n\n'];
  for (let i = 0; i < 200; i++) {
    // The gateway writes an event's id line and its message separately: two chunks.
    const m = event(i);
    const split = m.indexOf('event:');
    writes.push(m.slice(0, split), m.slice(split));
    if (i % 17 === 0) writes.push(': hb\n\n');
  }
  const body = Buffer.concat([
    ...writes.map((w) => Buffer.from(`${Buffer.byteLength(w).toString(16)}\r\n${w}\r\n`)),
    Buffer.from('0\r\n\r\n'),
  ]);
  for (const pieces of [[body], cuts(body)]) {
    const seen = [];
    let ended = 0;
    const feed = sseBodyReader({
      chunked: true,
      onMessage: (buf, start, end) => seen.push(buf.toString('utf8', start, end)),
      onEnd: () => ended++,
    });
    for (const p of pieces) feed(p);
    const events = seen.filter((m) => m.includes('\nevent: event\n'));
    assert.equal(events.length, 200);
    events.forEach((m, i) => assert.equal(`${m}\n\n`, event(i)));
    assert.equal(seen.filter((m) => m === ': hb').length, 1 + Math.ceil(200 / 17));
    assert.equal(ended, 1);
    assert.deepEqual(sseData(Buffer.from(events[7])).payload, { bt: 1007, pad: 'x'.repeat(7) });
  }
});

test('the SSE client counts event messages of a real HTTP/1.1 response and waits for ready', async () => {
  const seenHeaders = [];
  const server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.headers.authorization !== 'good') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"error":{"code":"unauthorized","message":"bad token"}}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('retry: 1000\n\n');
    res.write('id: AQ0\n');
    res.write(`event: ready\ndata: ${JSON.stringify({ channels: { c: { offset: 0, epoch: 'ab' } } })}\n\n`);
    let i = 0;
    const tick = () => {
      // Many events per tick, in one corked write, as a fan-out does.
      res.socket.cork();
      for (let k = 0; k < 25 && i < 500; k++, i++) {
        const m = event(i);
        const split = m.indexOf('event:');
        res.write(m.slice(0, split));
        res.write(m.slice(split));
        if (i % 100 === 0) res.write(': hb\n\n');
      }
      res.socket.uncork();
      if (i < 500) setImmediate(tick);
    };
    setTimeout(tick, 20);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    const frames = [];
    let closed = 0;
    const conn = await connect({
      protocol: 'sse',
      url,
      auth: { token: 'good', appID: 'app' },
      channels: ['c'],
      onEvent: (buf) => frames.push(Buffer.from(buf)),
      onClose: () => closed++,
    });
    assert.equal(seenHeaders[0].appid, 'app');
    const ack = await new Promise((resolve, reject) =>
      conn.request('subscribe', { channels: ['c'] }, (err, a) => (err ? reject(err) : resolve(a))),
    );
    assert.deepEqual(ack, { ok: true, results: { c: { ok: true } } });
    for (let t = 0; frames.length < 500 && t < 200; t++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(frames.length, 500);
    frames.forEach((f, i) => assert.equal(`${f}\n\n`, event(i)));
    conn.close();
    await assert.rejects(
      connect({ protocol: 'sse', url, auth: { token: 'bad', appID: 'app' }, channels: ['c'] }),
      /refused: HTTP 401[\s\S]*unauthorized/,
    );
    assert.equal(closed, 0); // closed by the client, not by the server
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
