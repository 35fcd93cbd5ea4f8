import { channelRoom, channelTag, clientRoom, parseChannelRoom, redisKeys } from './keys';

describe('tenant-scoped names', () => {
  it('never lets two apps share a channel room or key', () => {
    expect(channelRoom('a', 'chat')).not.toBe(channelRoom('b', 'chat'));
    // An app id containing the separator cannot collide with another app/channel pair.
    expect(channelRoom('a|b', 'c')).not.toBe(channelRoom('a', 'b|c'));
    expect(redisKeys('p:').streamMeta('a', 'x')).not.toBe(redisKeys('p:').streamMeta('b', 'x'));
    expect(clientRoom('a', 'u1')).not.toBe(clientRoom('b', 'u1'));
  });

  it('puts all keys of one channel in one Redis Cluster hash slot', () => {
    const k = redisKeys('chn:');
    const tag = channelTag('app 1', 'room:1');
    for (const key of [
      k.streamMeta('app 1', 'room:1'),
      k.streamWindow('app 1', 'room:1'),
      k.channelMeta('app 1', 'room:1'),
      k.idempotency('app 1', 'room:1', 'id'),
    ]) {
      expect(key).toContain(tag);
      expect(key.indexOf('{')).toBe(key.indexOf(tag));
    }
  });

  it('parses a channel room back into its app and channel', () => {
    expect(parseChannelRoom(channelRoom('my app:1', 'a.b@c'))).toEqual({
      appID: 'my app:1',
      channelID: 'a.b@c',
    });
    expect(parseChannelRoom(clientRoom('a', 'b'))).toBeNull();
  });
});
