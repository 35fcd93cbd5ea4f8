import { appRoom, channelRoom, type ChannelEvent, clientRoom, eventJson, Role } from '@channels/contracts';
import { InMemoryChannelFeed, roomBroadcastMessage, roomBroadcastTemplate } from '@channels/realtime';
import { ChannelHub } from './channel-hub';
import { type Notice, type ProtocolCodec, Session, type SessionTransport } from './session';

interface Written {
  frame: string;
  now: boolean;
}

/** A codec that names its frames and counts how often it encoded. */
const codecOf = (protocol: string) => {
  const calls = { event: 0, notice: 0 };
  const codec: ProtocolCodec<string> = {
    protocol,
    event(text, start, end) {
      calls.event++;
      return `${protocol}:${text.toString('utf8', start, end)}`;
    },
    notice(n: Notice) {
      calls.notice++;
      return n.name === 'ready' ? undefined : `${protocol}:${n.name}:${JSON.stringify(n.payload)}`;
    },
  };
  return { codec, calls };
};

const sessionOf = (protocol: string, clientID: string, appID = 'app') => {
  const written: Written[] = [];
  const transport: SessionTransport<string> = {
    protocol,
    open: true,
    send: () => undefined,
    sendEvent: () => undefined,
    write: (frame, now) => written.push({ frame, now }),
    close: () => undefined,
    pendingBytes: () => 0,
  };
  const session = new Session<string>(
    {
      appID,
      clientID,
      deviceID: 'd',
      connectionID: `${clientID}-${Math.random()}`,
      principal: { role: Role.Client, clientID, appID },
      publishBucket: { take: () => true },
    },
    transport,
  );
  return { session, written, frames: () => written.map((w) => w.frame) };
};

const event = (offset: number, payload: unknown = `p${offset}`): ChannelEvent => ({
  id: `e${offset}`,
  channelID: 'news',
  offset,
  epoch: 'E',
  eventType: 'msg',
  payload,
  senderID: 'alice',
  timestamp: 1_800_000_000_000 + offset,
});
const text = (e: ChannelEvent) =>
  eventJson({
    ...e,
    offset: e.offset as number,
    epoch: e.epoch as string,
    payloadJson: JSON.stringify(e.payload),
  });

const ROOM = channelRoom('app', 'news');
/** The message the publish script sends for a stored event (template around the event's text). */
const scriptMessage = (e: ChannelEvent) => {
  const { prefix, suffix } = roomBroadcastTemplate(ROOM, 'event');
  return `${prefix}${text(e)}${suffix}`;
};
const tick = () => new Promise((r) => process.nextTick(r));

describe('ChannelHub', () => {
  const setup = () => {
    const feed = new InMemoryChannelFeed();
    const a = codecOf('a');
    const b = codecOf('b');
    const delivered: number[] = [];
    const hub = new ChannelHub(feed, [a.codec], (n) => delivered.push(n));
    hub.addCodec(b.codec);
    return { feed, hub, a, b, delivered };
  };

  it('subscribes once per channel room, never for clients or apps, and stops with the last member', async () => {
    const { feed, hub } = setup();
    const s1 = sessionOf('a', 'alice');
    const s2 = sessionOf('b', 'bob');
    hub.add(s1.session);
    hub.add(s2.session);
    expect([...feed.subscribed]).toEqual([]);
    await hub.join(ROOM, s1.session);
    await hub.join(ROOM, s2.session);
    expect([...feed.subscribed]).toEqual([ROOM]);
    expect(hub.sessionsOfClient(clientRoom('app', 'alice'))).toEqual([s1.session]);
    expect(hub.sessionsOfApp(appRoom('app'))).toHaveLength(2);
    hub.leave(ROOM, s1.session);
    expect([...feed.subscribed]).toEqual([ROOM]);
    hub.leave(ROOM, s2.session);
    expect([...feed.subscribed]).toEqual([]);
    hub.remove(s1.session);
    expect(hub.sessionsOfClient(clientRoom('app', 'alice'))).toEqual([]);
  });

  it('cuts a channel event out of the message as published and encodes it once per protocol', async () => {
    const { feed, hub, a, b, delivered } = setup();
    const members = [sessionOf('a', 'u1'), sessionOf('a', 'u2'), sessionOf('b', 'u3'), sessionOf('b', 'u4')];
    for (const m of members) await hub.join(ROOM, m.session);
    const e = event(7, { big: '12345678901234567890', nested: [1, 'x'] });
    feed.publish(ROOM, scriptMessage(e));
    await tick();
    expect(a.calls.event).toBe(1);
    expect(b.calls.event).toBe(1);
    expect(members[0].frames()).toEqual([`a:${text(e)}`]);
    expect(members[3].frames()).toEqual([`b:${text(e)}`]);
    expect(delivered).toEqual([4]);
  });

  it('counts the channel events written per room until read, rooms left since then included', async () => {
    const { feed, hub } = setup();
    const other = channelRoom('app', 'other');
    const [s1, s2, s3] = [sessionOf('a', 'u1'), sessionOf('b', 'u2'), sessionOf('a', 'u3')];
    await hub.join(ROOM, s1.session);
    await hub.join(ROOM, s2.session);
    await hub.join(other, s3.session);
    feed.publish(ROOM, scriptMessage(event(1, 'x')));
    feed.publish(ROOM, scriptMessage(event(2, 'y')));
    feed.publish(other, scriptMessage(event(1, 'z')));
    await tick();
    hub.leave(other, s3.session);
    expect(hub.takeDeliveries()).toEqual(
      new Map([
        [other, 1],
        [ROOM, 4],
      ]),
    );
    expect(hub.takeDeliveries()).toEqual(new Map());
    feed.publish(ROOM, scriptMessage(event(3, 'w')));
    await tick();
    expect(hub.takeDeliveries()).toEqual(new Map([[ROOM, 2]]));
  });

  it('writes the deliveries of one read together on the next tick: alone at once, several batched', async () => {
    const { feed, hub } = setup();
    const m = sessionOf('a', 'u1');
    await hub.join(ROOM, m.session);
    feed.publish(ROOM, scriptMessage(event(1)));
    expect(m.written).toEqual([]);
    await tick();
    expect(m.written.map((w) => w.now)).toEqual([true]);
    feed.publish(ROOM, scriptMessage(event(2)));
    feed.publish(ROOM, scriptMessage(event(3)));
    await tick();
    expect(m.written.map((w) => w.now)).toEqual([true, false, false]);
  });

  it('decodes other broadcasts and honours their except rooms', async () => {
    const { feed, hub } = setup();
    const alice = sessionOf('a', 'alice');
    const bob = sessionOf('b', 'bob');
    await hub.join(ROOM, alice.session);
    await hub.join(ROOM, bob.session);
    const status = { channelID: 'news', clientID: 'alice', status: true, timestamp: 5 };
    feed.publish(ROOM, roomBroadcastMessage(ROOM, 'online_status', status, [clientRoom('app', 'alice')]));
    // An event sent by another emitter than the script (parsed, then encoded like any other).
    feed.publish(ROOM, roomBroadcastMessage(ROOM, 'event', event(9)));
    // Not JSON, not a broadcast: ignored.
    feed.publish(ROOM, Buffer.from([0x83, 0x01]));
    feed.publish(ROOM, JSON.stringify({ type: 5, data: {} }));
    await tick();
    expect(alice.frames()).toEqual([`a:${JSON.stringify(event(9))}`]);
    expect(bob.frames()).toEqual([
      `b:online_status:${JSON.stringify(status)}`,
      `b:${JSON.stringify(event(9))}`,
    ]);
  });

  it('holds a subscribing session, releases in order, then skips what the answer covered', async () => {
    const { feed, hub } = setup();
    const live = sessionOf('a', 'live');
    const joining = sessionOf('a', 'joining');
    await hub.join(ROOM, live.session);
    hub.hold(ROOM, joining.session);
    await hub.join(ROOM, joining.session);
    for (const o of [5, 6, 7]) feed.publish(ROOM, scriptMessage(event(o)));
    await tick();
    expect(joining.written).toEqual([]);
    expect(live.written).toHaveLength(3);
    // The answer covered up to 6: the caller skips 5 and 6 of what was held and writes 7.
    const held = hub.release(ROOM, joining.session, 6);
    expect(held.map((d) => d.offset)).toEqual([5, 6, 7]);
    // 6 can still arrive late from Redis: skipped; 8 ends the skipping.
    feed.publish(ROOM, scriptMessage(event(6)));
    feed.publish(ROOM, scriptMessage(event(8)));
    feed.publish(ROOM, scriptMessage(event(9)));
    await tick();
    expect(joining.frames()).toEqual([`a:${text(event(8))}`, `a:${text(event(9))}`]);
  });

  it('buffers nothing a broadcast excludes for a held session', async () => {
    const { feed, hub } = setup();
    const alice = sessionOf('a', 'alice');
    hub.hold(ROOM, alice.session);
    await hub.join(ROOM, alice.session);
    const status = { channelID: 'news', clientID: 'alice', status: true, timestamp: 5 };
    feed.publish(ROOM, roomBroadcastMessage(ROOM, 'online_status', status, [clientRoom('app', 'alice')]));
    await tick();
    expect(hub.release(ROOM, alice.session)).toEqual([]);
  });

  it('sends a local notice to a room encoded once per protocol; a protocol without it gets nothing', async () => {
    const { hub, a } = setup();
    const m1 = sessionOf('a', 'u1');
    const m2 = sessionOf('a', 'u2');
    await hub.join(ROOM, m1.session);
    await hub.join(ROOM, m2.session);
    hub.notifyRoom(ROOM, { name: 'channel_closed', payload: { channelID: 'news' } });
    hub.notifyRoom(ROOM, {
      name: 'ready',
      payload: { appID: 'app', clientID: 'x', deviceID: 'd', connectionID: 'c' },
    });
    expect(a.calls.notice).toBe(2);
    expect(m1.frames()).toEqual(['a:channel_closed:{"channelID":"news"}']);
    expect(m2.frames()).toEqual(m1.frames());
  });

  it('writes nothing to a closed session', async () => {
    const { feed, hub } = setup();
    const m = sessionOf('a', 'u1');
    await hub.join(ROOM, m.session);
    m.session.closed = true;
    feed.publish(ROOM, scriptMessage(event(1)));
    await tick();
    expect(m.written).toEqual([]);
  });
});

describe('ChannelHub occupancy reports', () => {
  it('reports a channel room occupied with its first local member and vacated with its last', async () => {
    const reports: string[] = [];
    const hub = new ChannelHub(new InMemoryChannelFeed(), [], undefined, {
      occupied: async (appID, channelID) => {
        reports.push(`occupied ${appID}/${channelID}`);
      },
      vacated: (appID, channelID) => reports.push(`vacated ${appID}/${channelID}`),
    });
    const a = sessionOf('p', 'alice').session;
    const b = sessionOf('p', 'bob').session;
    const room = channelRoom('app', 'news');
    await hub.join(room, a);
    await hub.join(room, b);
    await hub.join(room, a); // already a member
    hub.leave(room, a);
    hub.leave(room, a); // already gone
    expect(reports).toEqual(['occupied app/news']);
    hub.leave(room, b);
    expect(reports).toEqual(['occupied app/news', 'vacated app/news']);
    // A hold alone (a subscribe reading its position) does not occupy.
    hub.hold(room, a);
    hub.release(room, a);
    await hub.join(clientRoom('app', 'alice'), a); // not a channel room
    hub.leave(clientRoom('app', 'alice'), a);
    expect(reports).toHaveLength(2);
  });

  it('answers the first local join only once this gateway counts as an occupant', async () => {
    let counted: () => void = () => undefined;
    const hub = new ChannelHub(new InMemoryChannelFeed(), [], undefined, {
      occupied: () => new Promise<void>((r) => (counted = r)),
      vacated: () => undefined,
    });
    const room = channelRoom('app', 'news');
    let joined = false;
    const first = hub.join(room, sessionOf('p', 'alice').session).then(() => (joined = true));
    await tick();
    expect(joined).toBe(false);
    counted();
    await first;
    expect(joined).toBe(true);
    // Later members do not wait for anything.
    await hub.join(room, sessionOf('p', 'bob').session);
  });
});
