import {
  eventFromText,
  eventText,
  type EventText,
  eventTextArray,
  type EventTextFields,
  originalEventJson,
  parseEventText,
  splitEventTexts,
} from './event-text';

const tricky: unknown[] = [
  'plain',
  '',
  'with "quotes", commas, and ,"senderID":"x","timestamp":1}',
  'line\nfeed\ttab \u2028 \u{1F600}',
  { senderID: 'spoof', timestamp: 1, offset: 2, payload: { eventType: 'x' }, ',"offset":': 3 },
  [1, 2.5, -0, 1e21, null, true, [], {}],
  null,
  42,
];

const fields = (payload: unknown, i: number): EventTextFields => ({
  id: i % 2 ? `id,"offset":9,"timestamp":${i}` : `ev-${i}`,
  channelID: 'room:1.a@b',
  offset: 1_000_000 + i,
  epoch: 'a1b2c3',
  eventType: i % 3 ? 'chat' : 'type ,"payload":"x"',
  payloadJson: JSON.stringify(payload),
  senderID: i % 2 ? 'bob ,"senderID":"eve"' : 'alice',
  timestamp: 1_700_000_000_123 + i,
});

describe('event text', () => {
  it('is the event itself, and gives back its offset and timestamp', () => {
    tricky.forEach((payload, i) => {
      const f = fields(payload, i);
      const t = eventText(f);
      expect(eventFromText(t)).toEqual({
        id: f.id,
        channelID: f.channelID,
        offset: f.offset,
        epoch: f.epoch,
        eventType: f.eventType,
        payload: JSON.parse(f.payloadJson),
        senderID: f.senderID,
        timestamp: f.timestamp,
      });
      expect(parseEventText(t.json)).toEqual({ offset: f.offset, timestamp: f.timestamp, json: t.json });
    });
  });

  it('cuts the original shape out of the text, timestamp in seconds', () => {
    tricky.forEach((payload, i) => {
      const f = fields(payload, i);
      const t = eventText(f);
      expect(t.originalJson()).toBe(originalEventJson(t.json));
      expect(parseEventText(t.json).originalJson()).toBe(t.originalJson());
      expect(JSON.parse(t.originalJson())).toStrictEqual({
        senderID: f.senderID,
        eventType: f.eventType,
        payload: JSON.parse(f.payloadJson),
        channelID: f.channelID,
        timestamp: Math.floor(f.timestamp / 1000),
      });
    });
  });

  it('travels newline-joined and renders as one JSON array', () => {
    const texts = tricky.map((p, i) => eventText(fields(p, i)));
    const split = splitEventTexts(texts.map((t) => t.json).join('\n'));
    const plain = (t: EventText) => [t.offset, t.timestamp, t.json];
    expect(split.map(plain)).toEqual(texts.map(plain));
    expect(splitEventTexts('')).toEqual([]);
    expect(JSON.parse(eventTextArray(split))).toEqual(texts.map(eventFromText));
    expect(eventTextArray([])).toBe('[]');
  });

  it('keeps a payload text as it was given (e.g. Postgres jsonb output)', () => {
    const f = { ...fields(null, 0), payloadJson: '{"a": 1, "big": 12345678901234567890}' };
    expect(eventText(f).json).toContain('"payload":{"a": 1, "big": 12345678901234567890}');
  });

  it('refuses text in another layout', () => {
    expect(() => parseEventText('{"id":"x"}')).toThrow(/canonical layout/);
    expect(() => originalEventJson('{"id":"x"}')).toThrow(/canonical layout/);
  });
});
