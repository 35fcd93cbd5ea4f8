import { randomBytes } from 'node:crypto';
import { call, collect, connectClient, eventually, Fixtures, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';
import WebSocket from 'ws';

/**
 * Limits and bad input (issue: gateway §6): payload cap, publish rate limit, max channels per
 * connection, slow consumers, malformed calls answered `bad_request` on a connection that lives on,
 * and a fuzz run of thousands of random frames after which the gateway still serves correctly.
 */
describe('limits and malformed frames', () => {
  const stack = new Stack({
    gateways: 1,
    writers: 1,
    presences: 0,
    serviceEnv: {
      gateway: {
        MAX_PAYLOAD_BYTES: '65536',
        PUBLISH_RATE_PER_SEC: '5',
        PUBLISH_RATE_BURST: '10',
        MAX_CHANNELS_PER_CONNECTION: '3',
        MAX_OUTBOUND_BUFFER_BYTES: '65536',
      },
    },
  });
  let fx: Fixtures;
  const sockets: Socket[] = [];
  const APP = 'limits';

  const client = async (id = 'u') => {
    const r = await connectClient(stack.url('gateway'), { token: stack.clientToken(APP, id), appID: APP });
    sockets.push(r.socket);
    return r.socket;
  };

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    for (const c of ['c1', 'c2', 'c3', 'c4']) await fx.channel(APP, c, { persistent: true });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  it('refuses payloads over the size limit with payload_too_large', async () => {
    const s = await client();
    const big = await call(s, 'publish', { channelID: 'c1', eventType: 't', payload: 'x'.repeat(70_000) });
    expect(big).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(await call(s, 'publish', { channelID: 'c1', eventType: 't', payload: 'small' })).toMatchObject({
      ok: true,
    });
  });

  it('rate-limits publishes per client with rate_limited, others unaffected', async () => {
    const s = await client('fast');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call<{ ok: boolean; error?: { code: string } }>(s, 'publish', {
          channelID: 'c1',
          eventType: 't',
          payload: i,
        }),
      ),
    );
    const limited = results.filter((r) => !r.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.error?.code === 'rate_limited')).toBe(true);
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(10);
    const other = await client('calm');
    expect(await call(other, 'publish', { channelID: 'c1', eventType: 't', payload: 'ok' })).toMatchObject({
      ok: true,
    });
  });

  it('caps the channels of one connection with too_many_channels', async () => {
    const s = await client();
    const ack = await call<{ results: Record<string, { ok: boolean; error?: { code: string } }> }>(
      s,
      'subscribe',
      { channels: ['c1', 'c2', 'c3', 'c4'] },
    );
    expect(Object.values(ack.results).filter((r) => r.ok)).toHaveLength(3);
    expect(ack.results['c4']).toMatchObject({ ok: false, error: { code: 'too_many_channels' } });
  });

  it('answers malformed calls with bad_request and keeps the connection', async () => {
    const s = await client();
    const bad: [string, unknown][] = [
      ['subscribe', 'not-an-object'],
      ['subscribe', { channels: 'c1' }],
      ['subscribe', { channels: [42] }],
      ['publish', { channelID: 'c1' }],
      ['publish', { channelID: 'bad id with spaces', eventType: 't', payload: 1 }],
      ['publish', null],
      ['history', { channelID: 'c1', limit: 'ten' }],
      ['presence', {}],
      ['channels', { kind: 'everything' }],
      ['unsubscribe', { channels: [] }],
      ['no_such_event', { a: 1 }],
    ];
    for (const [event, payload] of bad) {
      const ack = await call<{ ok: boolean; error: { code: string; message: string } }>(s, event, payload);
      expect({ event, ack }).toMatchObject({
        event,
        ack: { ok: false, error: { code: 'bad_request', message: expect.any(String) } },
      });
    }
    expect(s.connected).toBe(true);
    expect(
      await call(s, 'publish', { channelID: 'c1', eventType: 't', payload: 'still alive' }),
    ).toMatchObject({ ok: true });
  });

  it('names the rule an out-of-range value broke', async () => {
    const s = await client();
    const cases: [string, unknown, string][] = [
      ['history', { channelID: 'c1', limit: 5000 }, 'limit: must be at most 1000'],
      ['history', { channelID: 'c1', limit: 0 }, 'limit: must be at least 1'],
      ['history', { channelID: 'c1', since: -1 }, 'since: must be at least 0'],
      [
        'publish',
        { channelID: 'c1', eventType: 'x'.repeat(51), payload: 1 },
        'eventType: must be at most 50 characters',
      ],
      [
        'subscribe',
        { channels: ['c1'], recover: { c1: { offset: 1.5, epoch: 'e' } } },
        'recover.c1.offset: must be an integer',
      ],
    ];
    for (const [event, payload, message] of cases) {
      const ack = await call(s, event, payload);
      expect({ event, ack }).toEqual({ event, ack: { ok: false, error: { code: 'bad_request', message } } });
    }
  });

  it('disconnects a consumer that stops reading instead of buffering without bound', async () => {
    // A raw websocket client that completes the socket.io handshake, subscribes, then never reads.
    const url = stack.url('gateway').replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket';
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    ws.send(`40${JSON.stringify({ token: stack.clientToken(APP, 'slow'), appID: APP })}`);
    await new Promise((r) => setTimeout(r, 300));
    ws.send('420["subscribe",{"channels":["c2"]}]');
    await new Promise((r) => setTimeout(r, 300));
    const underlying = (ws as unknown as { _socket: { pause(): void } })._socket;
    underlying.pause(); // stop reading: the server's send buffer fills up
    // ~30 MB towards the stalled reader (publishers stay within their own rate limits).
    const chunk = 'y'.repeat(60_000);
    const before = await (await fetch(`${stack.url('gateway')}/metrics`)).text();
    const drops = (text: string) =>
      Number(/channels_gateway_outbound_buffer_drops_total (\d+)/.exec(text)?.[1] ?? 0);
    for (let p = 0; p < 50; p++) {
      const pub = await connectClient(stack.url('gateway'), {
        token: stack.adminToken(APP, `flood${p}`),
        appID: APP,
      });
      sockets.push(pub.socket);
      for (let i = 0; i < 10; i++)
        pub.socket.emit('publish', { channelID: 'c2', eventType: 'flood', payload: chunk });
    }
    await eventually(
      async () => drops(await (await fetch(`${stack.url('gateway')}/metrics`)).text()) > drops(before),
      'slow consumer dropped',
      20_000,
    );
    ws.terminate();
  });

  it('survives thousands of random frames and still serves correct clients', async () => {
    const url = stack.url('gateway').replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket';
    const frames: (string | Buffer)[] = [];
    const events = ['subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'channels', 'x'];
    const junk = () =>
      [
        randomBytes(Math.floor(Math.random() * 64)),
        `42${JSON.stringify([events[Math.floor(Math.random() * events.length)], randomValue()])}`,
        `42${Math.floor(Math.random() * 1000)}${JSON.stringify([events[Math.floor(Math.random() * events.length)], randomValue()])}`,
        `4${Math.floor(Math.random() * 10)}${randomBytes(8).toString('hex')}`,
        '42["publish",{"channelID":"c1","eventType":"t","payload":' + '['.repeat(50) + ']',
        String(Math.floor(Math.random() * 10)),
      ][Math.floor(Math.random() * 6)];
    for (let i = 0; i < 3000; i++) frames.push(junk());
    let sent = 0;
    for (let c = 0; c < 30; c++) {
      const ws = new WebSocket(url);
      await new Promise((r) => {
        ws.once('open', r);
        ws.once('error', r);
      });
      if (ws.readyState === WebSocket.OPEN) {
        if (c % 2 === 0)
          ws.send(`40${JSON.stringify({ token: stack.clientToken(APP, `fuzz${c}`), appID: APP })}`);
        for (let i = 0; i < 100; i++) {
          if (ws.readyState !== WebSocket.OPEN) break;
          ws.send(frames[sent++ % frames.length]);
        }
      }
      ws.terminate();
    }
    expect(sent).toBeGreaterThan(1000);
    const ready = await fetch(`${stack.url('gateway')}/health/ready`);
    expect(ready.status).toBe(200);
    const a = await client('after-a');
    const b = await client('after-b');
    const got = collect<{ payload: unknown }>(b, 'event');
    await call(b, 'subscribe', { channels: ['c3'] });
    expect(await call(a, 'publish', { channelID: 'c3', eventType: 't', payload: 'post-fuzz' })).toMatchObject(
      { ok: true },
    );
    await eventually(() => got.some((e) => e.payload === 'post-fuzz'), 'delivery after the fuzz run');
  });
});

function randomValue(depth = 0): unknown {
  const r = Math.random();
  if (depth > 3 || r < 0.2)
    return [null, true, 42, -1, 1e308, 'c1', '', 'x'.repeat(200)][Math.floor(Math.random() * 8)];
  if (r < 0.5) return Array.from({ length: Math.floor(Math.random() * 4) }, () => randomValue(depth + 1));
  const keys = [
    'channels',
    'channelID',
    'eventType',
    'payload',
    'id',
    'limit',
    'recover',
    'kind',
    '__proto__',
    'constructor',
  ];
  return Object.fromEntries(
    Array.from({ length: Math.floor(Math.random() * 5) }, () => [
      keys[Math.floor(Math.random() * keys.length)],
      randomValue(depth + 1),
    ]),
  );
}
