import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io-client';
import { runCli } from '../cli';
import type { CliIo } from '../context';

type Ack = (timeout: Error | null, ack: unknown) => void;

/** Stands in for a socket.io client: the test plays the gateway. */
class FakeSocket extends EventEmitter {
  active = true;
  closed = false;
  readonly subscribes: { payload: Record<string, unknown>; ack: Ack }[] = [];
  timeout() {
    return {
      emit: (event: string, payload: Record<string, unknown>, ack: Ack) => {
        if (event === 'subscribe') this.subscribes.push({ payload, ack });
      },
    };
  }
  close() {
    this.closed = true;
    return this;
  }
  disconnect() {
    return this;
  }
  connect() {
    return this;
  }
  /** The gateway answers the latest subscribe. */
  answer(result: Record<string, unknown>) {
    this.subscribes[this.subscribes.length - 1]?.ack(null, { ok: true, results: { news: result } });
  }
}

const ev = (offset: number) => ({
  id: `e${offset}`,
  channelID: 'news',
  offset,
  epoch: 'E',
  eventType: 't',
  payload: { n: offset },
  senderID: 's',
  timestamp: 0,
});

function start(argv: string[] = ['tail', 'news', '--json']) {
  const socket = new FakeSocket();
  let interrupt: () => void = () => undefined;
  const out = { stdout: '', stderr: '', url: '', options: {} as Record<string, unknown> };
  const io: CliIo = {
    env: { CHANNELS_TOKEN: 'tok', CHANNELS_APP: 'shop', CHANNELS_URL: 'http://gw.example:8080' },
    stdout: (t) => (out.stdout += t),
    stderr: (t) => (out.stderr += t),
    fetch: () => Promise.reject(new Error('no HTTP in this test')),
    readFile: () => '',
    readStdin: async () => '',
    onInterrupt: (h) => {
      interrupt = h;
      return () => (interrupt = () => undefined);
    },
    connect: (url, options) => {
      out.url = url;
      out.options = options as Record<string, unknown>;
      return socket as unknown as Socket;
    },
  };
  const code = runCli(argv, io);
  const offsets = () =>
    out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { offset: number }).offset);
  return { socket, out, code, offsets, interrupt: () => interrupt() };
}

describe('tail', () => {
  it('prints each event once, in order, across a reconnect that recovers from the last printed offset', async () => {
    const t = start();
    await new Promise(setImmediate);
    expect(t.out.url).toBe('http://gw.example:8080');
    expect(t.out.options).toMatchObject({ auth: { token: 'tok', appID: 'shop' }, transports: ['websocket'] });

    t.socket.emit('ready', {});
    expect(t.socket.subscribes[0]?.payload).toEqual({ channels: ['news'] });
    t.socket.answer({ ok: true, offset: 5, epoch: 'E' });
    expect(t.out.stderr).toMatch(/tailing news of app shop .* from offset 5/);
    t.socket.emit('event', ev(5)); // at or below the subscribe position: not printed
    t.socket.emit('event', ev(6));
    t.socket.emit('event', { ...ev(1), channelID: 'other' });

    t.socket.emit('disconnect', 'transport close');
    expect(t.out.stderr).toMatch(/connection lost \(transport close\); reconnecting/);
    t.socket.emit('ready', {});
    expect(t.socket.subscribes[1]?.payload).toEqual({
      channels: ['news'],
      recover: { news: { offset: 6, epoch: 'E' } },
    });
    t.socket.answer({ ok: true, offset: 8, epoch: 'E', recovered: true, events: [ev(7), ev(8)] });
    t.socket.emit('event', ev(8));
    t.socket.emit('event', ev(9));
    expect(t.offsets()).toEqual([6, 7, 8, 9]);
    expect(t.out.stderr).toMatch(/resubscribed to news; 2 missed event\(s\) recovered/);

    t.interrupt();
    expect(await t.code).toBe(0);
    expect(t.socket.closed).toBe(true);
  });

  it('says where the gap is when the missed events cannot be recovered', async () => {
    const t = start();
    await new Promise(setImmediate);
    t.socket.emit('ready', {});
    t.socket.answer({ ok: true, offset: 3, epoch: 'E' });
    t.socket.emit('ready', {});
    t.socket.answer({ ok: true, offset: 40, epoch: 'F', recovered: false });
    expect(t.out.stderr).toMatch(
      /events after offset 3 could not be recovered .* resuming at offset 40 — read the gap with: channels history news --since-offset 3/,
    );
    t.socket.emit('event', { ...ev(41), epoch: 'F' });
    expect(t.offsets()).toEqual([41]);
    t.interrupt();
    expect(await t.code).toBe(0);
  });

  it('exits 1 when the channel cannot be subscribed or is removed, and when the token is refused', async () => {
    const refused = start(['tail', 'news']);
    await new Promise(setImmediate);
    refused.socket.emit('ready', {});
    refused.socket.answer({ ok: false, error: { code: 'forbidden', message: 'not a member' } });
    expect(await refused.code).toBe(1);
    expect(refused.out.stderr).toBe('channels: forbidden: cannot tail news: not a member\n');

    const removed = start(['tail', 'news']);
    await new Promise(setImmediate);
    removed.socket.emit('ready', {});
    removed.socket.answer({ ok: true });
    removed.socket.emit('remove_channel', { channelID: 'news' });
    expect(await removed.code).toBe(1);
    expect(removed.out.stderr).toMatch(/channel_removed: channel news was removed/);

    const badToken = start(['tail', 'news']);
    await new Promise(setImmediate);
    badToken.socket.active = false;
    badToken.socket.emit(
      'connect_error',
      Object.assign(new Error('unauthorized'), { data: { code: 401, message: 'token expired' } }),
    );
    expect(await badToken.code).toBe(1);
    expect(badToken.out.stderr).toMatch(
      /unauthorized: the gateway at http:\/\/gw.example:8080 refused the connection: token expired/,
    );
  });

  it('exits 3 when the first connection cannot be made, and keeps retrying after one was', async () => {
    const down = start(['tail', 'news']);
    await new Promise(setImmediate);
    down.socket.emit('connect_error', new Error('websocket error'));
    expect(await down.code).toBe(3);
    expect(down.out.stderr).toMatch(
      /unreachable: cannot reach the gateway at http:\/\/gw.example:8080: websocket error/,
    );

    const later = start(['tail', 'news']);
    await new Promise(setImmediate);
    later.socket.emit('ready', {});
    later.socket.answer({ ok: true });
    later.socket.emit('disconnect', 'transport close');
    later.socket.emit('connect_error', new Error('websocket error'));
    later.socket.emit('connect_error', new Error('websocket error'));
    expect(later.socket.closed).toBe(false);
    expect(later.out.stderr).toMatch(/not persistent: no offsets/);
    later.interrupt();
    expect(await later.code).toBe(0);
  });
});
