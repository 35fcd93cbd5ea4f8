import { z } from 'zod';
import { ChannelsError } from './errors';
import { historySchema, publishSchema, subscribeSchema } from './socket-payloads';
import { appIdSchema, clientIdSchema, parseOrThrow, typeError } from './validation';

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
const fails = (schema: z.ZodType, input: unknown) => messageOf(() => parseOrThrow(schema, input));

describe('out-of-range values name the rule they broke', () => {
  it('history: limit, bounds and offsets', () => {
    expect(fails(historySchema, { channelID: 'c', limit: 5000 })).toBe('limit: must be at most 1000');
    expect(fails(historySchema, { channelID: 'c', limit: 0 })).toBe('limit: must be at least 1');
    expect(fails(historySchema, { channelID: 'c', limit: 2.5 })).toBe('limit: must be an integer');
    expect(fails(historySchema, { channelID: 'c', limit: '10' })).toBe('limit: must be a number');
    expect(fails(historySchema, { channelID: 'c', since: -1 })).toBe('since: must be at least 0');
    expect(fails(historySchema, { channelID: 'c', sinceOffset: 1e300 })).toBe(
      'sinceOffset: must be at most 9007199254740991',
    );
  });

  it('strings: too long, empty', () => {
    const base = { channelID: 'c', eventType: 'm', payload: 1 };
    expect(fails(publishSchema, { ...base, eventType: 'x'.repeat(51) })).toBe(
      'eventType: must be at most 50 characters',
    );
    expect(fails(publishSchema, { ...base, eventType: '' })).toBe('eventType: must not be empty');
    expect(fails(publishSchema, { ...base, id: 'k'.repeat(129) })).toBe('id: must be at most 128 characters');
    expect(fails(publishSchema, { ...base, eventType: 7 })).toBe('eventType: must be a string');
    expect(fails(appIdSchema, 'a'.repeat(151))).toBe('payload: must be at most 150 characters');
    expect(fails(clientIdSchema, '')).toBe('payload: must not be empty');
  });

  it('recovery positions', () => {
    const recover = (position: unknown) => ({ channels: ['a'], recover: { a: position } });
    expect(fails(subscribeSchema, recover({ offset: 1, epoch: 'e'.repeat(65) }))).toBe(
      'recover.a.epoch: must be at most 64 characters',
    );
    expect(fails(subscribeSchema, recover({ offset: -1, epoch: 'e' }))).toBe(
      'recover.a.offset: must be at least 0',
    );
    expect(fails(subscribeSchema, recover({ offset: 0.5, epoch: 'e' }))).toBe(
      'recover.a.offset: must be an integer',
    );
    expect(fails(subscribeSchema, { channels: 'a' })).toBe('channels: must be an array of channel ids');
  });

  it('any schema: exclusive bounds, items, exact lengths, multiples', () => {
    expect(fails(z.object({ n: z.number().gt(0).lt(10) }), { n: 10 })).toBe('n: must be less than 10');
    expect(fails(z.object({ n: z.number().gt(0) }), { n: 0 })).toBe('n: must be greater than 0');
    expect(fails(z.object({ l: z.array(z.string()).max(2) }), { l: ['a', 'b', 'c'] })).toBe(
      'l: must have at most 2 items',
    );
    expect(fails(z.object({ l: z.array(z.string()).min(2) }), { l: ['a'] })).toBe(
      'l: must have at least 2 items',
    );
    expect(fails(z.object({ l: z.array(z.string()).min(1) }), { l: [] })).toBe('l: must not be empty');
    expect(fails(z.object({ s: z.string().length(1) }), { s: 'ab' })).toBe('s: must be exactly 1 character');
    expect(fails(z.object({ n: z.number().multipleOf(5) }), { n: 3 })).toBe('n: must be a multiple of 5');
    expect(fails(z.object({ s: z.string().min(3) }), { s: 'ab' })).toBe('s: must be at least 3 characters');
  });

  it("keeps a check's own message and a schema's type message", () => {
    const cursor = z.string().max(4, 'is not a valid cursor');
    expect(fails(z.object({ cursor }), { cursor: 'abcdef' })).toBe('cursor: is not a valid cursor');
    const n = z.number(typeError('must be a count')).max(3);
    expect(fails(z.object({ n }), { n: 'x' })).toBe('n: must be a count');
    expect(fails(z.object({ n }), { n: 4 })).toBe('n: must be at most 3');
  });
});
