import { ChannelsError, ErrorCode } from '@channels/contracts';

/** A channel's position in a stream: the last offset delivered and its epoch (none: live only so far). */
export interface ChannelPosition {
  offset: number;
  epoch: string;
}

const VERSION = 1;
const NONE = 0;
/** The epoch as 6 bytes (the broker's 12 hex digits). */
const HEX6 = 1;
/** The epoch as a length-prefixed UTF-8 string (any other form). */
const TEXT = 2;
const HEX12 = /^[0-9a-f]{12}$/;
/** Longest id accepted (a stream of the most channels with long epochs fits well under it). */
export const MAX_EVENT_ID_LENGTH = 8_192;

/**
 * The SSE `id:` of a stream: its position in every one of its channels, in the order of the
 * stream's `channel` parameters — so a reconnect with `Last-Event-ID` resumes every channel.
 * Compact binary (version byte, then per channel: a kind byte, the offset as a varint and the
 * epoch), in base64url: a stream of one channel costs about a dozen characters per event.
 */
export function encodePosition(positions: readonly (ChannelPosition | undefined)[]): string {
  const bytes: number[] = [VERSION];
  for (const p of positions) {
    if (!p) {
      bytes.push(NONE);
      continue;
    }
    const hex = HEX12.test(p.epoch);
    bytes.push(hex ? HEX6 : TEXT);
    writeVarint(bytes, p.offset);
    if (hex) {
      for (let i = 0; i < 12; i += 2) bytes.push(parseInt(p.epoch.slice(i, i + 2), 16));
    } else {
      const text = Buffer.from(p.epoch, 'utf8');
      writeVarint(bytes, text.length);
      for (const b of text) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('base64url');
}

const malformed = (why: string) => new ChannelsError(ErrorCode.BadRequest, `malformed Last-Event-ID: ${why}`);

/**
 * Reads a `Last-Event-ID` for a stream of `channels` channels. Anything that is not an id this
 * server made for a stream of that many channels is `bad_request` (400).
 */
export function decodePosition(id: string, channels: number): (ChannelPosition | undefined)[] {
  if (id.length > MAX_EVENT_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) throw malformed('not an event id');
  const b = Buffer.from(id, 'base64url');
  if (b[0] !== VERSION) throw malformed('unknown version');
  let at = 1;
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (at >= b.length) throw malformed('truncated');
      const byte = b[at++];
      n += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(n)) throw malformed('offset out of range');
        return n;
      }
      scale *= 128;
    }
    throw malformed('offset out of range');
  };
  const out: (ChannelPosition | undefined)[] = [];
  for (let c = 0; c < channels; c++) {
    if (at >= b.length) throw malformed(`it holds fewer channels than the stream's ${channels}`);
    const kind = b[at++];
    if (kind === NONE) {
      out.push(undefined);
      continue;
    }
    const offset = varint();
    if (kind === HEX6) {
      if (at + 6 > b.length) throw malformed('truncated');
      out.push({ offset, epoch: b.toString('hex', at, at + 6) });
      at += 6;
    } else if (kind === TEXT) {
      const length = varint();
      if (at + length > b.length) throw malformed('truncated');
      out.push({ offset, epoch: b.toString('utf8', at, at + length) });
      at += length;
    } else {
      throw malformed('unknown position kind');
    }
  }
  if (at !== b.length) throw malformed(`it holds more channels than the stream's ${channels}`);
  return out;
}

function writeVarint(bytes: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    bytes.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
}
