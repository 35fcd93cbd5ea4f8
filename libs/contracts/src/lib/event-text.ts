import type { ChannelEvent } from './model';

/**
 * A stored event as JSON text in its canonical layout, with the two numbers history orders,
 * filters and pages by. The layout is the one the publish script appends to the hot window, and
 * the one stored rows are rendered in:
 *
 *   {"id":…,"channelID":…,"offset":N,"epoch":"…","eventType":…,"payload":…,"senderID":…,"timestamp":N}
 *
 * History answers are assembled from these texts without parsing every event. The layout holds no
 * raw line feed (JSON text from `JSON.stringify` and from Postgres' jsonb output has none), so a
 * list of them can travel as one newline-joined string.
 */
export interface EventText {
  readonly offset: number;
  /** Server time, unix milliseconds. */
  readonly timestamp: number;
  /** The canonical JSON text. */
  readonly json: string;
  /** The original product's shape as JSON text (see `originalEventJson`). */
  originalJson(): string;
}

/** What a stored event is made of; `payloadJson` is the payload's JSON text, used as it is. */
export interface EventTextFields {
  id: string;
  channelID: string;
  offset: number;
  epoch: string;
  eventType: string;
  payloadJson: string;
  senderID: string;
  timestamp: number;
}

// A key with its opening quote preceded by a comma cannot occur inside a JSON string (every quote
// in one is escaped), so the first such match before the payload, and the last one after it, are
// the layout's own keys whatever the ids, types and payloads contain.
const CHANNEL = ',"channelID":';
const OFFSET = ',"offset":';
const EPOCH = ',"epoch":';
const EVENT_TYPE = ',"eventType":';
const PAYLOAD = ',"payload":';
const SENDER = ',"senderID":';
const TIMESTAMP = ',"timestamp":';

export function eventJson(f: EventTextFields): string {
  return (
    `{"id":${JSON.stringify(f.id)},"channelID":${JSON.stringify(f.channelID)},"offset":${f.offset},` +
    `"epoch":${JSON.stringify(f.epoch)},"eventType":${JSON.stringify(f.eventType)},` +
    `"payload":${f.payloadJson},"senderID":${JSON.stringify(f.senderID)},"timestamp":${f.timestamp}}`
  );
}

/** An event read from storage: each text is rendered from its fields once, when first asked for. */
class FieldsEventText implements EventText {
  readonly offset: number;
  readonly timestamp: number;
  private canonical: string | undefined;
  private original: string | undefined;

  constructor(private readonly f: EventTextFields) {
    this.offset = f.offset;
    this.timestamp = f.timestamp;
  }

  get json(): string {
    return (this.canonical ??= eventJson(this.f));
  }

  originalJson(): string {
    const f = this.f;
    return (this.original ??=
      `{"senderID":${JSON.stringify(f.senderID)},"eventType":${JSON.stringify(f.eventType)},` +
      `"payload":${f.payloadJson},"channelID":${JSON.stringify(f.channelID)},` +
      `"timestamp":${Math.floor(f.timestamp / 1000)}}`);
  }
}

/** An event as canonical text (the hot window's form). The original shape is cut once, when first asked for. */
class CanonicalEventText implements EventText {
  private original: string | undefined;

  constructor(
    readonly offset: number,
    readonly timestamp: number,
    readonly json: string,
  ) {}

  originalJson(): string {
    return (this.original ??= originalEventJson(this.json));
  }
}

export function eventText(f: EventTextFields): EventText {
  return new FieldsEventText(f);
}

/** Reads offset and timestamp out of an event's canonical JSON text. */
export function parseEventText(json: string): EventText {
  const o = json.indexOf(OFFSET);
  const e = json.indexOf(EPOCH, o);
  const t = json.lastIndexOf(TIMESTAMP);
  const offset = Number(json.slice(o + OFFSET.length, e));
  const timestamp = Number(json.slice(t + TIMESTAMP.length, json.length - 1));
  if (o < 0 || e < 0 || t < 0 || !Number.isSafeInteger(offset) || !Number.isSafeInteger(timestamp))
    throw new Error('not an event in the canonical layout');
  return new CanonicalEventText(offset, timestamp, json);
}

/** Splits a newline-joined list of canonical event texts (empty string: no events). */
export function splitEventTexts(joined: string): EventText[] {
  return joined === '' ? [] : joined.split('\n').map(parseEventText);
}

export function eventFromText(t: EventText): ChannelEvent {
  return JSON.parse(t.json) as ChannelEvent;
}

/** A JSON array of the events, as JSON text. */
export function eventTextArray(events: readonly EventText[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i++) out += (i === 0 ? '' : ',') + events[i].json;
  return `${out}]`;
}

/**
 * The original product's event shape — `{senderID, eventType, payload, channelID, timestamp}` with
 * the timestamp in unix SECONDS — cut out of the canonical text.
 */
export function originalEventJson(json: string): string {
  const c = json.indexOf(CHANNEL);
  const o = json.indexOf(OFFSET, c);
  const et = json.indexOf(EVENT_TYPE, o);
  const p = json.indexOf(PAYLOAD, et);
  const s = json.lastIndexOf(SENDER);
  const t = json.lastIndexOf(TIMESTAMP);
  if (c < 0 || o < 0 || et < 0 || p < 0 || s < p || t < s)
    throw new Error('not an event in the canonical layout');
  const seconds = Math.floor(Number(json.slice(t + TIMESTAMP.length, json.length - 1)) / 1000);
  return (
    `{"senderID":${json.slice(s + SENDER.length, t)},"eventType":${json.slice(et + EVENT_TYPE.length, p)},` +
    `"payload":${json.slice(p + PAYLOAD.length, s)},"channelID":${json.slice(c + CHANNEL.length, o)},` +
    `"timestamp":${seconds}}`
  );
}
