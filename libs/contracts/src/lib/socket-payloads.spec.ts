import { ChannelsError } from './errors';
import { historySchema, publishSchema, subscribeSchema } from './socket-payloads';
import { parseOrThrow } from './validation';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChannelsError);
    expect((e as ChannelsError).code).toBe('bad_request');
    return (e as ChannelsError).message;
  }
  throw new Error('expected bad_request');
};

describe('inbound socket payloads', () => {
  it('accepts a valid publish and keeps the payload as sent', () => {
    expect(
      parseOrThrow(publishSchema, { channelID: 'c-1', eventType: 'msg', payload: '{"a":1}', id: 'k' }),
    ).toEqual({
      channelID: 'c-1',
      eventType: 'msg',
      payload: '{"a":1}',
      id: 'k',
    });
    expect(parseOrThrow(publishSchema, { channelID: 'c', eventType: 'm', payload: null }).payload).toBeNull();
  });

  it('names the offending field in the error message', () => {
    expect(
      messageOf(() => parseOrThrow(publishSchema, { channelID: 'bad id!', eventType: 'm', payload: 1 })),
    ).toMatch(/^channelID:/);
    expect(
      messageOf(() => parseOrThrow(publishSchema, { channelID: 'c', eventType: 'x'.repeat(51), payload: 1 })),
    ).toMatch(/^eventType:/);
    expect(messageOf(() => parseOrThrow(publishSchema, { channelID: 'c', eventType: 'm' }))).toMatch(
      /^payload:/,
    );
    expect(messageOf(() => parseOrThrow(subscribeSchema, { channels: ['ok', 7] }))).toMatch(/^channels\.1:/);
    expect(messageOf(() => parseOrThrow(subscribeSchema, 'garbage'))).toMatch(/payload/);
    expect(messageOf(() => parseOrThrow(historySchema, { channelID: 'c', order: 'sideways' }))).toMatch(
      /^order:/,
    );
    expect(messageOf(() => parseOrThrow(historySchema, { channelID: 'c', limit: 0 }))).toMatch(/^limit:/);
  });

  it('accepts recovery positions per channel', () => {
    const r = parseOrThrow(subscribeSchema, { channels: ['a'], recover: { a: { offset: 3, epoch: 'e1' } } });
    expect(r.recover?.['a']).toEqual({ offset: 3, epoch: 'e1' });
    expect(
      messageOf(() =>
        parseOrThrow(subscribeSchema, { channels: ['a'], recover: { a: { offset: -1, epoch: 'e' } } }),
      ),
    ).toMatch(/^recover\.a\.offset:/);
  });
});
