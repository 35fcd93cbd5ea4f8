import { call, connectClient, Fixtures, Stack } from '@channels/testing';
import type { Socket } from 'socket.io-client';

interface ChannelsAck {
  ok: boolean;
  channels: { channelID: string; private: boolean }[];
  nextCursor: string | null;
  error?: { code: string; message: string };
}

/**
 * The socket `channels` call on an app with more channels than one answer holds: a caller that
 * does not page gets the first 1,000 and a `nextCursor` saying there is more (it used to stop there
 * silently); a caller that pages with `cursor` and `limit` walks every channel exactly once.
 */
describe('the channels call pages past 1,000 channels', () => {
  const stack = new Stack({ gateways: 1, writers: 0, presences: 0 });
  let fx: Fixtures;
  const sockets: Socket[] = [];
  const APP = 'many';
  const OPEN = 1_205;
  const id = (n: number) => `c${String(n).padStart(5, '0')}`;
  const openIDs = Array.from({ length: OPEN }, (_, i) => id(i + 1));

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.query(
      `INSERT INTO channels (app_id, id, name, persistent, private, presence, is_closed)
       SELECT $1, 'c' || lpad(g::text, 5, '0'), 'n', false, false, false, false FROM generate_series(1, $2::int) g`,
      [APP, OPEN],
    );
    for (const p of ['p1', 'p2', 'p3', 'p4', 'p5']) await fx.channel(APP, p, { private: true });
    for (const p of ['p1', 'p3', 'p4']) await fx.member(APP, p, 'alice');
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fx?.close();
    await stack.stop();
  });

  const connect = async (token: string) => {
    const { socket } = await connectClient(stack.url('gateway'), { token, appID: APP });
    sockets.push(socket);
    return socket;
  };
  /** Every page of a listing, following `nextCursor` until it is null. */
  const walk = async (s: Socket, request: { kind: string; limit?: number }) => {
    const pages: string[][] = [];
    let cursor: string | null | undefined;
    do {
      const ack = await call<ChannelsAck>(s, 'channels', { ...request, ...(cursor ? { cursor } : {}) });
      expect(ack.ok).toBe(true);
      pages.push(ack.channels.map((c) => c.channelID));
      cursor = ack.nextCursor;
    } while (cursor && pages.length < 100);
    return pages;
  };

  it('answers a caller that does not page the first 1,000 channels and a cursor for the rest', async () => {
    const alice = await connect(stack.clientToken(APP, 'alice'));
    const first = await call<ChannelsAck>(alice, 'channels', { kind: 'open' });
    expect(first.channels.map((c) => c.channelID)).toEqual(openIDs.slice(0, 1_000));
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await call<ChannelsAck>(alice, 'channels', { kind: 'open', cursor: first.nextCursor });
    expect(rest.channels.map((c) => c.channelID)).toEqual(openIDs.slice(1_000));
    expect(rest.nextCursor).toBeNull();
  });

  it('walks every channel once, in id order, with any page size', async () => {
    const alice = await connect(stack.clientToken(APP, 'alice'));
    const pages = await walk(alice, { kind: 'open', limit: 500 });
    expect(pages.map((p) => p.length)).toEqual([500, 500, 205]);
    expect(pages.flat()).toEqual(openIDs);
    // A client's private listing holds only the channels it is a member of, paged the same way.
    expect(await walk(alice, { kind: 'private', limit: 2 })).toEqual([['p1', 'p3'], ['p4']]);
    // An admin lists every channel of the app.
    const admin = await connect(stack.adminToken(APP));
    expect((await walk(admin, { kind: 'open', limit: 1_000 })).flat()).toEqual(openIDs);
    expect(await walk(admin, { kind: 'private' })).toEqual([['p1', 'p2', 'p3', 'p4', 'p5']]);
  });

  it('refuses a cursor it did not make and a page size out of range, keeping the connection', async () => {
    const alice = await connect(stack.clientToken(APP, 'alice'));
    const cases: [unknown, string][] = [
      [{ kind: 'open', cursor: 'not-a-cursor' }, 'cursor: is not a valid cursor'],
      [{ kind: 'open', cursor: 7 }, 'cursor: must be a string'],
      [{ kind: 'open', limit: 1_001 }, 'limit: must be at most 1000'],
      [{ kind: 'open', limit: 0 }, 'limit: must be at least 1'],
    ];
    for (const [payload, message] of cases) {
      expect(await call(alice, 'channels', payload)).toEqual({
        ok: false,
        error: { code: 'bad_request', message },
      });
    }
    expect(alice.connected).toBe(true);
  });
});
