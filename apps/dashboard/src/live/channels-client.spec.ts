import { io } from 'socket.io-client';
import { FakeSocket, liveEvent, subscribed } from '../test/fake-socket';
import { ChannelsClient } from './channels-client';

jest.mock('socket.io-client', () => ({ io: jest.fn() }));

function connectFake() {
  let socket: FakeSocket | undefined;
  (io as unknown as jest.Mock).mockImplementation((url: string, opts: unknown) => {
    socket = new FakeSocket(url, opts);
    return socket;
  });
  const client = new ChannelsClient({ url: 'http://gw.test', appID: 'demo', token: 'tok' });
  const connected = client.connect();
  const s = socket as unknown as FakeSocket;
  s.answer('subscribe', (p) => subscribed((p as { channels: string[] }).channels[0], 3));
  s.push('ready', { appID: 'demo', clientID: 'root', deviceID: 'd', connectionID: 'c' });
  return { client, socket: s, connected };
}

describe('ChannelsClient (the dashboard stand-in for @channels/client)', () => {
  it('connects with the token and app, and resolves on ready', async () => {
    const { client, socket, connected } = connectFake();
    await connected;
    expect(client.state).toBe('connected');
    expect(socket.url).toBe('http://gw.test');
    expect(socket.options).toMatchObject({ auth: { token: 'tok', appID: 'demo' } });
  });

  it('rejects with the handshake refusal', async () => {
    (io as unknown as jest.Mock).mockImplementation((url: string, opts: unknown) => {
      const s = new FakeSocket(url, opts);
      s.active = false;
      queueMicrotask(() => s.push('connect_error', new Error('unauthorized')));
      return s;
    });
    const client = new ChannelsClient({ url: '', appID: 'demo', token: 'bad' });
    await expect(client.connect()).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('delivers each event once and in order, and recovers from the last offset after a reconnect', async () => {
    const { client, socket, connected } = connectFake();
    await connected;
    const room = client.channel('room');
    const seen: number[] = [];
    room.on('event', (e) => seen.push(e.offset ?? -1));
    await room.subscribe();
    expect(socket.sentNamed('subscribe')).toEqual([{ channels: ['room'] }]);
    socket.push('event', liveEvent('room', 3, 'covered by the subscribe answer'));
    socket.push('event', liveEvent('room', 4, 'a'));
    socket.push('event', liveEvent('room', 4, 'a again'));
    socket.push('event', liveEvent('other', 9, 'not this channel'));
    // The connection drops; on the next ready the channel is subscribed again from offset 4 and the
    // missed events come in the answer.
    socket.push('disconnect', 'transport close');
    expect(client.state).toBe('connecting');
    socket.answer('subscribe', () =>
      subscribed('room', 6, 'E1', [liveEvent('room', 5, 'b'), liveEvent('room', 6, 'c')]),
    );
    socket.push('ready', {});
    await new Promise((r) => setTimeout(r, 0));
    expect(socket.sentNamed('subscribe').at(-1)).toEqual({
      channels: ['room'],
      recover: { room: { offset: 4, epoch: 'E1' } },
    });
    socket.push('event', liveEvent('room', 7, 'd'));
    expect(seen).toEqual([4, 5, 6, 7]);
  });

  it('keeps presence from the initial status and updates, and clears it when disconnected', async () => {
    const { client, socket, connected } = connectFake();
    await connected;
    const room = client.channel('room');
    const snapshots: string[][] = [];
    room.on('presence', (p) => snapshots.push([...p].map(([id, s]) => `${id}:${s.status ? 'on' : 'off'}`)));
    await room.subscribe();
    socket.push('initial_online_status', {
      channelID: 'room',
      clientStatus: { alice: { status: true, timestamp: 1 } },
    });
    socket.push('online_status', { channelID: 'room', clientID: 'bob', status: true, timestamp: 2 });
    socket.push('online_status', { channelID: 'room', clientID: 'alice', status: false, timestamp: 3 });
    socket.push('disconnect', 'transport close');
    expect(snapshots).toEqual([['alice:on'], ['alice:on', 'bob:on'], ['alice:off', 'bob:on'], []]);
    expect(room.presence().size).toBe(0);
  });

  it('reports a refused subscribe with its code', async () => {
    const { client, socket, connected } = connectFake();
    await connected;
    socket.answer('subscribe', () => ({
      ok: true,
      results: { secret: { ok: false, error: { code: 'forbidden', message: 'not a member' } } },
    }));
    await expect(client.channel('secret').subscribe()).rejects.toMatchObject({ code: 'forbidden' });
  });
});
