import { ChannelsClient, type ChannelEvent, type GapInfo, type PublishResult } from '@channels/client';
import { eventually, Fixtures, sleep, Stack, startFrontDoor, type FrontDoor } from '@channels/testing';

/**
 * The SDK's promise (issue: "no gap, no duplicate" by default): SDK clients connected through the
 * front door — over WebSocket and over long-polling — keep receiving a channel while one gateway
 * is killed with SIGKILL under steady publishing. Every client sees every event once, in offset
 * order, with no gap, and every publish the SDK acknowledged is stored exactly once, also those
 * whose acknowledgement was lost with the gateway and that the SDK re-sent after reconnecting.
 */
describe('SDK clients lose nothing when a gateway is killed', () => {
  const stack = new Stack({ gateways: 2, writers: 1, presences: 1 });
  const APP = 'sdk';
  let fx: Fixtures;
  let frontDoor: FrontDoor | undefined;
  const clients: ChannelsClient[] = [];

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, 'feed', { persistent: true, presence: true });
    frontDoor = await startFrontDoor(stack);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.disconnect()));
    frontDoor?.stop();
    await fx?.close();
    await stack.stop();
  });

  const client = (clientID: string, transports?: ('websocket' | 'polling')[]) => {
    const c = new ChannelsClient({
      url: frontDoor?.url ?? '',
      appID: APP,
      token: stack.clientToken(APP, clientID),
      ...(transports ? { transports } : {}),
      reconnect: { minDelayMs: 200, maxDelayMs: 2_000 },
    });
    clients.push(c);
    return c;
  };

  it('every client sees every event once, in order, and every acked publish is stored once', async () => {
    const readers = [
      { c: client('r-ws-1', ['websocket']), got: [] as ChannelEvent[], drops: 0, gaps: [] as GapInfo[] },
      { c: client('r-ws-2', ['websocket']), got: [] as ChannelEvent[], drops: 0, gaps: [] as GapInfo[] },
      { c: client('r-poll-1', ['polling']), got: [] as ChannelEvent[], drops: 0, gaps: [] as GapInfo[] },
      { c: client('r-default'), got: [] as ChannelEvent[], drops: 0, gaps: [] as GapInfo[] },
    ];
    for (const r of readers) {
      r.c.on('disconnected', () => r.drops++);
      const feed = r.c.channel('feed');
      feed.on('event', (e) => r.got.push(e));
      feed.on('gap', (g) => r.gaps.push(g));
      await r.c.connect();
      await feed.subscribe();
    }
    // Two publishers: the front door balances handshakes round-robin, so one is on each gateway
    // and one loses its connection with acknowledgements in flight.
    const publishers = [client('writer-1', ['websocket']), client('writer-2', ['websocket'])];
    let publisherDrops = 0;
    for (const p of publishers) {
      p.on('disconnected', () => publisherDrops++);
      await p.connect();
    }

    // Steady publishing (one every 15 ms, not waiting for acks, so some are in flight at the kill).
    const acks: Promise<PublishResult>[] = [];
    let stop = false;
    const publishing = (async () => {
      for (let i = 0; !stop; i++) {
        acks.push(publishers[i % 2].channel('feed').publish('tick', i));
        await sleep(15);
      }
    })();
    await sleep(800);
    stack.kill9(stack.all('gateway')[0]);
    await sleep(3_000);
    stop = true;
    await publishing;

    const results = await Promise.all(acks);
    const ackedOffsets = results.map((r) => r.offset as number).sort((a, b) => a - b);
    expect(new Set(ackedOffsets).size).toBe(results.length);
    expect(new Set(results.map((r) => r.id)).size).toBe(results.length);
    const idsInOffsetOrder = [...results]
      .sort((a, b) => (a.offset as number) - (b.offset as number))
      .map((r) => r.id);

    // The kill reached SDK clients on both sides: readers and a publisher reconnected.
    expect(readers.some((r) => r.drops > 0)).toBe(true);
    expect(publisherDrops).toBeGreaterThan(0);

    const last = ackedOffsets[ackedOffsets.length - 1];
    await eventually(
      () => readers.every((r) => r.got.at(-1)?.offset === last),
      'every reader at the last offset',
      20_000,
    );
    for (const r of readers) {
      expect(r.gaps).toEqual([]);
      // Once each, in order, nothing missing: exactly the acked offsets.
      expect(r.got.map((e) => e.offset)).toEqual(ackedOffsets);
      expect(r.got.map((e) => e.id)).toEqual(idsInOffsetOrder);
    }

    // Stored exactly once: history holds each acked id once, at its acked offset.
    await eventually(
      async () => (await fx.storedEvents(APP, 'feed')).length >= results.length,
      'the writer stored every acked event',
      20_000,
    );
    const stored = await fx.storedEvents(APP, 'feed');
    expect(stored.map((e) => e.id).sort()).toEqual(results.map((r) => r.id).sort());
    const byId = new Map(stored.map((e) => [e.id, e.offset]));
    for (const r of results) expect(byId.get(r.id)).toBe(r.offset);
    const history = await readers[0].c.channel('feed').history({ sinceOffset: 0, limit: 1000 });
    expect(history.events.map((e) => e.id)).toEqual(idsInOffsetOrder);
  });
});
