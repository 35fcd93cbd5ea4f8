import { roomBroadcastMessage, roomBroadcastTemplate, roomShardChannel } from './adapter-message';

describe('socket.io cluster adapter messages', () => {
  it('splices an event into the template to give exactly the broadcast message', () => {
    const room = 'ch:{a|news}';
    const event = { id: 'x', channelID: 'news', offset: 3, payload: '"quoted" ✓' };
    const { prefix, suffix } = roomBroadcastTemplate(room, 'event');
    expect(prefix + JSON.stringify(event) + suffix).toBe(roomBroadcastMessage(room, 'event', event));
    expect(JSON.parse(prefix + JSON.stringify(event) + suffix)).toEqual({
      uid: 'emitter',
      nsp: '/',
      type: 3,
      data: {
        opts: { rooms: [room], except: [], flags: {} },
        packet: { type: 2, data: ['event', event], nsp: '/' },
      },
    });
  });

  it('names the shard channel the sharded adapter subscribes to for a room', () => {
    expect(roomShardChannel('chn:', 'ch:{a|b}')).toBe('chn:sio#/#ch:{a|b}#');
  });
});
