import { publishSchema } from '@channels/contracts';
import { wellFormedPublish } from './publish.service';

describe('wellFormedPublish', () => {
  const inputs: unknown[] = [
    { channelID: 'c-1', eventType: 'msg', payload: { a: 1 } },
    { channelID: 'c:1.x@y_z', eventType: 'm', payload: null, id: 'k' },
    { channelID: 'c', eventType: 'm', payload: 0, id: 'x'.repeat(128), extra: true },
    { channelID: 'c', eventType: 'x'.repeat(50), payload: '' },
    { channelID: 'c'.repeat(100), eventType: 'm', payload: [] },
    { channelID: 'c', eventType: 'm', payload: 1, id: undefined },
    // rejected: zod words the error
    { channelID: 'bad id!', eventType: 'm', payload: 1 },
    { channelID: 'c'.repeat(101), eventType: 'm', payload: 1 },
    { channelID: '', eventType: 'm', payload: 1 },
    { channelID: 7, eventType: 'm', payload: 1 },
    { channelID: 'c', eventType: '', payload: 1 },
    { channelID: 'c', eventType: 'x'.repeat(51), payload: 1 },
    { channelID: 'c', eventType: 5, payload: 1 },
    { channelID: 'c', eventType: 'm' },
    { channelID: 'c', eventType: 'm', payload: 1, id: '' },
    { channelID: 'c', eventType: 'm', payload: 1, id: 'x'.repeat(129) },
    { channelID: 'c', eventType: 'm', payload: 1, id: 3 },
    null,
    'text',
    [{ channelID: 'c', eventType: 'm', payload: 1 }],
  ];

  it.each(inputs.map((i) => [i]))('accepts exactly what publishSchema accepts: %j', (input) => {
    const fast = wellFormedPublish(input);
    const zod = publishSchema.safeParse(input);
    if (fast === undefined) {
      expect(zod.success).toBe(false);
    } else {
      expect(zod.success).toBe(true);
      expect(fast).toEqual(zod.data);
    }
  });
});
