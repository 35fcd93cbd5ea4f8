// Self-test of the harness's arithmetic and parsing (`node --test bench/`); not part of CI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, bucketOf, bucketRange, median, readAsciiNumber, summarize } from './stats.mjs';
import { fileURLToPath } from 'node:url';
import {
  clientToken,
  optimizedAck,
  optimizedPublish,
  optimizedSubscribe,
  optimizedType,
  subscribeAckOk,
} from './wire.mjs';
import { parseResults } from '../scenarios/external.mjs';
import jwt from 'jsonwebtoken';

test('every value falls inside the range of its bucket', () => {
  for (const v of [0, 1, 2047, 2048, 2049, 4095, 4096, 10_000, 123_456, 2 ** 31 + 5, 2 ** 32 - 1]) {
    const { low, width } = bucketRange(bucketOf(v));
    assert.ok(v >= low && v < low + width, `${v} not in [${low}, ${low + width})`);
  }
});

test('percentiles of a uniform 1..10000 µs sample are within 0.1%', () => {
  const h = new Histogram();
  for (let v = 1; v <= 10_000; v++) h.record(v);
  for (const [q, exact] of [
    [0.5, 5000],
    [0.95, 9500],
    [0.99, 9900],
  ]) {
    assert.ok(Math.abs(h.percentile(q) - exact) / exact < 0.001, `p${q * 100} = ${h.percentile(q)}`);
  }
  assert.equal(h.max, 10_000);
  assert.equal(h.percentile(1), 10_000);
});

test('histograms survive IPC and merge like one histogram', () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 0; i < 5000; i++) {
    const v = (i * 7919) % 50_000;
    (i % 2 ? a : b).record(v);
    all.record(v);
  }
  const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a))).merge(Histogram.fromJSON(b.toJSON()));
  assert.equal(merged.count, all.count);
  assert.equal(merged.percentile(0.99), all.percentile(0.99));
  assert.equal(merged.max, all.max);
});

test('an empty histogram has no percentiles', () => {
  assert.ok(Number.isNaN(new Histogram().percentile(0.5)));
});

test('median and spread ignore missing runs', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.deepEqual(summarize([5, NaN, 1, 3]), { median: 3, min: 1, max: 5, runs: [5, NaN, 1, 3] });
});

test('the send timestamp is read straight out of a frame', () => {
  const frame = Buffer.from('42["event",{"payload":{"bt":123456789012,"s":4}}]');
  const at = frame.indexOf('"bt":') + 5;
  assert.equal(readAsciiNumber(frame, at), 123456789012);
  assert.equal(readAsciiNumber(Buffer.from('12.5,'), 0), 12.5);
  assert.ok(Number.isNaN(readAsciiNumber(Buffer.from('"x"'), 0)));
});

test('load generator tokens are valid HS256 JWTs with the client claims', () => {
  const claims = jwt.verify(clientToken('s3cret-0123456789', 'app-1', 'c-7'), 's3cret-0123456789', {
    algorithms: ['HS256'],
  });
  assert.equal(claims.Role, 'Client');
  assert.equal(claims.ClientID, 'c-7');
  assert.equal(claims.AppID, 'app-1');
});

test('a subscribe ack counts only when every channel was accepted', () => {
  assert.equal(subscribeAckOk({ ok: true }, ['a']), true);
  assert.equal(
    subscribeAckOk({ ok: true, results: { a: { ok: true }, b: { ok: false } } }, ['a', 'b']),
    false,
  );
  assert.equal(subscribeAckOk({ ok: false }, ['a']), false);
});

test('BENCH_RESULT lines become figures, other output is ignored', () => {
  const rows = parseResults(
    'hello\nBENCH_RESULT {"figure":"x","value":"1 ms","bar":"≤ 2 ms","pass":true}\nBENCH_RESULT {bad\n',
  );
  assert.deepEqual(rows, [{ figure: 'x', value: '1 ms', bar: '≤ 2 ms', pass: true }]);
});

test('the probe counts pub/sub pushes exactly, however the stream is cut into chunks', async () => {
  const { createServer } = await import('node:net');
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const push = (kind, ch, msg) =>
    kind === 'pmessage'
      ? `*4\r\n$8\r\npmessage\r\n$3\r\np:*\r\n$${ch.length}\r\n${ch}\r\n$${msg.length}\r\n${msg}\r\n`
      : `>3\r\n$${kind.length}\r\n${kind}\r\n$${ch.length}\r\n${ch}\r\n$${msg.length}\r\n${msg}\r\n`;
  const frames = [];
  for (let i = 0; i < 300; i++)
    frames.push(push(['message', 'smessage', 'pmessage'][i % 3], `c${i}`, `{"n":${i}}`));
  const stream = Buffer.from(`+OK\r\n${frames.join('')}:1\r\n`);
  const server = createServer((sock) => {
    sock.on('error', () => undefined); // the probed process exits without closing
    // Cut the stream at every few bytes so markers straddle chunk boundaries.
    let at = 0;
    const next = () => {
      if (at >= stream.length) return;
      const n = 1 + ((at * 31) % 23);
      sock.write(stream.subarray(at, at + n));
      at += n;
      setImmediate(next);
    };
    next();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const probe = join(dirname(fileURLToPath(import.meta.url)), 'probe.cjs');
  const script = `let n=0;const s=require('net').connect(${port},'127.0.0.1');s.on('data',(d)=>{n+=d.length;if(n>=${stream.length}){process.kill(process.pid,'SIGUSR2');setTimeout(()=>process.exit(0),200);}});`;
  const child = spawn(process.execPath, ['--require', probe, '-e', script], {
    env: { ...process.env, BENCH_PROBE_DIR: dir, BENCH_PROBE_REDIS_PORT: String(port) },
  });
  await new Promise((r) => child.once('exit', r));
  server.close();
  const stats = JSON.parse(readFileSync(join(dir, `${child.pid}.json`), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  assert.equal(stats.redisConnections, 1);
  assert.equal(stats.redisBytes, stream.length);
  assert.equal(stats.redisMessages, 300);
});

test('the /optimized frames the harness writes by hand are what optimized.proto encodes', async () => {
  const { default: protobuf } = await import('protobufjs');
  const proto = fileURLToPath(
    new URL('../../libs/contracts/src/lib/optimized/optimized.proto', import.meta.url),
  );
  const root = new protobuf.Root().loadSync(proto, { keepCase: true });
  const NewEvent = root.lookupType('NewEvent');
  const encode = (name, value) => {
    const t = root.lookupType(name);
    return Buffer.from(t.encode(t.fromObject(value)).finish());
  };
  const frame = (type, body) => Buffer.from(NewEvent.encode({ type, payload: body }).finish());
  const payload = `{"bt":123456789012,"s":7,"pad":"${'x'.repeat(300)}é"}`;
  for (const id of [0, 1, 127, 128, 300, 2 ** 32 - 1]) {
    assert.deepEqual(
      optimizedPublish(id, 'bench', 'fan-out', payload),
      frame(5, encode('PublishRequest', { ID: id, eventType: 'bench', channelID: 'fan-out', payload })),
    );
    assert.deepEqual(
      optimizedSubscribe('idle-7', id),
      frame(4, encode('SubscribeRequest', { channelID: 'idle-7', ID: id })),
    );
    for (const status of [true, false]) {
      const ack = frame(6, encode('PublishAck', { replyTo: id, status }));
      assert.deepEqual(optimizedAck(ack), { replyTo: id, status });
      assert.equal(optimizedType(ack), 6);
    }
  }
  const event = frame(
    5,
    encode('ChannelEvent', {
      senderID: 'p0',
      eventType: 'bench',
      payload,
      channelID: 'c',
      timestamp: 1_700_000_000,
    }),
  );
  assert.deepEqual([...event.subarray(0, 2)], [0x08, 0x05]); // the subscribers' hot-path test
  assert.equal(optimizedAck(event), null);
  assert.equal(optimizedType(frame(0, encode('ClientJoin', { channelID: 'c', clientID: 'x' }))), 0);
});
