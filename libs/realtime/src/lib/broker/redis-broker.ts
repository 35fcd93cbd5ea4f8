import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  channelRoom,
  channelTag,
  type ChannelEvent,
  parseChannelTag,
  type RedisKeys,
  type ServerToClientEvents,
  splitEventTexts,
} from '@channels/contracts';
import type Redis from 'ioredis';
import { roomBroadcastMessage, roomBroadcastTemplate, roomShardChannel } from './adapter-message';
import type {
  Broker,
  ChannelGate,
  PublishCommand,
  OutboxEntry,
  PublishOutcome,
  StreamPosition,
  StreamRef,
  StreamSource,
  WindowTextRead,
} from './broker.port';
import {
  CLEAR_OUTBOX_LUA,
  DROP_STREAM_LUA,
  FILL_GATE_LUA,
  MARK_COMMITTED_LUA,
  PUBLISH_LUA,
  READ_WINDOW_LUA,
  SEED_LUA,
} from './lua-scripts';

export interface RedisBrokerOptions {
  keys: RedisKeys;
  /** Events kept per channel in the hot window. */
  windowSize: number;
  /** How long a publisher's id dedupes re-publishes (≥ 300 s). */
  idempotencyTtlSeconds: number;
  /** How long a gate loaded from storage is trusted before it is re-read. */
  gateTtlSeconds?: number;
  /**
   * Most events a channel may hold above its durable watermark (default 10,000): a stored publish
   * beyond it is refused (`behind`), and a stream re-seeded after Redis lost it starts this far
   * above the stored top so that no offset a subscriber saw is given to another event.
   */
  maxUncommitted?: number;
}

/** Default of `maxUncommitted`. */
export const DEFAULT_MAX_UNCOMMITTED = 10_000;

type ScriptedRedis = Redis & {
  chReadWindow(...args: (string | number)[]): Promise<string[]>;
  chSeed(...args: (string | number)[]): Promise<[string, string]>;
  chFillGate(...args: (string | number)[]): Promise<[string | null, string | null]>;
  chMarkCommitted(...args: (string | number)[]): Promise<number[]>;
  chClearOutbox(...args: (string | number)[]): Promise<number>;
  chDropStream(...args: (string | number)[]): Promise<string | null>;
};

const newEpoch = (): string => randomBytes(6).toString('hex');

/** How long a deleted channel's dropped epoch is remembered (longer than any queued event waits). */
const DROPPED_EPOCH_TTL_SECONDS = 7 * 24 * 3600;

/** Strings of one channel that every publish on it sends to the script. */
interface ChannelStatics {
  gate: string;
  meta: string;
  window: string;
  /** The channel's member in the outbox index (its hash tag). */
  tag: string;
  /** The idempotency key without the id (the key of an id is this prefix + id). */
  idempotencyPrefix: string;
  /** `"channelID":"…",` as it appears in the event JSON. */
  channelField: string;
  shardChannel: string;
  messagePrefix: string;
  messageSuffix: string;
}
const STATICS_MAX = 10_000;
const PUBLISH_SHA = createHash('sha1').update(PUBLISH_LUA).digest('hex');

/**
 * Broker over one Redis: every publish is one Lua script per channel (gate check, dedupe, offset,
 * window append, SPUBLISH to the channel room's shard channel), so offsets are gap-free and every
 * gateway receives a channel's events in offset order from a single ordered source.
 */
export class RedisBroker implements Broker {
  private readonly redis: ScriptedRedis;
  private readonly gateTtl: number;
  private readonly statics = new Map<string, ChannelStatics>();

  constructor(
    redis: Redis,
    private readonly source: StreamSource,
    private readonly options: RedisBrokerOptions,
  ) {
    redis.defineCommand('chReadWindow', { numberOfKeys: 2, lua: READ_WINDOW_LUA });
    redis.defineCommand('chSeed', { numberOfKeys: 2, lua: SEED_LUA });
    redis.defineCommand('chFillGate', { numberOfKeys: 1, lua: FILL_GATE_LUA });
    redis.defineCommand('chMarkCommitted', { numberOfKeys: 3, lua: MARK_COMMITTED_LUA });
    redis.defineCommand('chClearOutbox', { numberOfKeys: 1, lua: CLEAR_OUTBOX_LUA });
    redis.defineCommand('chDropStream', { numberOfKeys: 4, lua: DROP_STREAM_LUA });
    this.redis = redis as ScriptedRedis;
    this.gateTtl = options.gateTtlSeconds ?? 3600;
    this.maxUncommitted = options.maxUncommitted ?? DEFAULT_MAX_UNCOMMITTED;
    this.outboxIndex = options.keys.outboxIndex();
  }

  private readonly maxUncommitted: number;
  private readonly outboxIndex: string;

  async publish(cmd: PublishCommand): Promise<PublishOutcome> {
    const c = this.channelStatics(cmd.appID, cmd.channelID);
    const id = cmd.id ?? randomUUID();
    const timestamp = Date.now();
    const payload = cmd.payload ?? null;
    const dedupe = cmd.store && cmd.id ? cmd.id : '';
    const head = `{"id":${JSON.stringify(id)},${c.channelField}`;
    const tail =
      `"eventType":${JSON.stringify(cmd.eventType)},"payload":${JSON.stringify(payload)},` +
      `"senderID":${JSON.stringify(cmd.senderID)},"timestamp":`;
    for (let attempt = 0; attempt < 3; attempt++) {
      // A stored publish lists its channel in the outbox index first, in the same round trip: if
      // this process dies after the script, the writer's sweeper finds the event (an entry with
      // nothing uncommitted behind it is harmless and removed by the sweeper).
      const indexed = cmd.store ? this.redis.zadd(this.outboxIndex, 'NX', timestamp, c.tag) : undefined;
      indexed?.catch(() => undefined);
      const reply = await this.runPublishScript(
        c.gate,
        c.meta,
        c.window,
        dedupe ? c.idempotencyPrefix + dedupe : c.idempotencyPrefix,
        cmd.store ? '1' : '0',
        dedupe,
        head,
        tail,
        this.options.windowSize,
        this.options.idempotencyTtlSeconds,
        c.shardChannel,
        c.messagePrefix,
        c.messageSuffix,
        timestamp,
        this.maxUncommitted,
      );
      if (indexed) await indexed;
      switch (reply[0]) {
        case 'OK': {
          // The script returns only what it added (offset and epoch of a stored event), so the
          // event is not serialized back and parsed here; fields and order match the stored JSON.
          const event: ChannelEvent =
            reply.length === 1
              ? {
                  id,
                  channelID: cmd.channelID,
                  eventType: cmd.eventType,
                  payload,
                  senderID: cmd.senderID,
                  timestamp,
                }
              : {
                  id,
                  channelID: cmd.channelID,
                  offset: Number(reply[1]),
                  epoch: String(reply[2]),
                  eventType: cmd.eventType,
                  payload,
                  senderID: cmd.senderID,
                  // The script keeps a channel's timestamps from going backwards (another
                  // publisher's clock may be ahead of this one's).
                  timestamp: Number(reply[3]),
                };
          return { status: 'published', event, duplicate: false };
        }
        case 'DUP':
          return {
            status: 'published',
            event: JSON.parse(String(reply[1])) as ChannelEvent,
            duplicate: true,
          };
        case 'NOTFOUND':
          return { status: 'not_found' };
        case 'CLOSED':
          return { status: 'closed' };
        case 'BEHIND':
          return { status: 'behind', uncommitted: Number(reply[1]) };
        case 'NOGATE':
          await this.loadGate(cmd.appID, cmd.channelID);
          break;
        case 'NOSEED':
          await this.seed(cmd.appID, cmd.channelID);
          break;
        default:
          throw new Error(`unexpected publish script answer ${String(reply[0])}`);
      }
    }
    throw new Error('publish could not initialise the channel stream');
  }

  /**
   * EVALSHA of the publish script, EVAL when Redis does not know it yet (first use, or Redis
   * restarted). Called directly rather than through an ioredis custom command, whose wrapper
   * costs more than the call itself on the publish path.
   */
  private async runPublishScript(...args: (string | number)[]): Promise<(string | number)[]> {
    try {
      return (await this.redis.evalsha(PUBLISH_SHA, 4, ...args)) as (string | number)[];
    } catch (e) {
      if (!(e instanceof Error) || !e.message.includes('NOSCRIPT')) throw e;
      return (await this.redis.eval(PUBLISH_LUA, 4, ...args)) as (string | number)[];
    }
  }

  /**
   * The per-channel strings of the publish script (keys, shard channel, adapter message template),
   * built once per channel instead of on every publish. Bounded: cleared when it grows past
   * STATICS_MAX channels (rebuilding is cheap).
   */
  private channelStatics(appID: string, channelID: string): ChannelStatics {
    const cacheKey = `${appID}\u0000${channelID}`;
    let c = this.statics.get(cacheKey);
    if (!c) {
      const k = this.options.keys;
      const room = channelRoom(appID, channelID);
      const { prefix, suffix } = roomBroadcastTemplate(room, 'event');
      c = {
        gate: k.channelMeta(appID, channelID),
        meta: k.streamMeta(appID, channelID),
        window: k.streamWindow(appID, channelID),
        tag: channelTag(appID, channelID),
        idempotencyPrefix: k.idempotency(appID, channelID, ''),
        channelField: `"channelID":${JSON.stringify(channelID)},`,
        shardChannel: roomShardChannel(k.prefix, room),
        messagePrefix: prefix,
        messageSuffix: suffix,
      };
      if (this.statics.size >= STATICS_MAX) this.statics.clear();
      this.statics.set(cacheKey, c);
    }
    return c;
  }

  /** One script call: position, bounds and the events' canonical texts (chunks joined here by line feeds). */
  async readWindowText(
    appID: string,
    channelID: string,
    afterOffset: number,
    limit: number,
  ): Promise<WindowTextRead> {
    const k = this.options.keys;
    const read = () =>
      this.redis.chReadWindow(
        k.streamMeta(appID, channelID),
        k.streamWindow(appID, channelID),
        afterOffset,
        limit,
        '0',
      );
    let out = await read();
    if (out.length === 0) {
      await this.seed(appID, channelID);
      out = await read();
    }
    return windowTextRead(out, afterOffset);
  }

  async readUncommittedText(appID: string, channelID: string, limit: number): Promise<WindowTextRead | null> {
    const k = this.options.keys;
    const out = await this.redis.chReadWindow(
      k.streamMeta(appID, channelID),
      k.streamWindow(appID, channelID),
      0,
      limit,
      '1',
    );
    if (out.length === 0) return null;
    const read = windowTextRead(out, Number(out[3]));
    return { ...read, complete: read.first <= read.durable + 1 };
  }

  async position(appID: string, channelID: string): Promise<StreamPosition> {
    const meta = await this.redis.hmget(
      this.options.keys.streamMeta(appID, channelID),
      'top',
      'epoch',
      'durable',
    );
    if (meta[0] !== null && meta[1] !== null) {
      const top = Number(meta[0]);
      return { top, epoch: meta[1], durable: meta[2] === null ? top : Number(meta[2]) };
    }
    return this.seed(appID, channelID);
  }

  async markCommitted(
    appID: string,
    channelID: string,
    epoch: string,
    ranges: [number, number][],
  ): Promise<{ durable: number; top: number; previous: number } | null> {
    const k = this.options.keys;
    const out = await this.redis.chMarkCommitted(
      k.streamMeta(appID, channelID),
      k.streamWindow(appID, channelID),
      k.streamCommitted(appID, channelID),
      epoch,
      this.options.windowSize,
      ...ranges.flat(),
    );
    if (out.length === 0) return null;
    return { durable: Number(out[0]), top: Number(out[1]), previous: Number(out[2]) };
  }

  async staleOutbox(olderThan: number, limit: number): Promise<OutboxEntry[]> {
    const raw = await this.redis.zrangebyscore(
      this.outboxIndex,
      '-inf',
      `(${olderThan}`,
      'WITHSCORES',
      'LIMIT',
      0,
      limit,
    );
    const out: OutboxEntry[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const c = parseChannelTag(raw[i]);
      if (c) out.push({ ...c, since: Number(raw[i + 1]) });
      else await this.redis.zrem(this.outboxIndex, raw[i]);
    }
    return out;
  }

  async touchOutbox(appID: string, channelID: string, now: number): Promise<void> {
    await this.redis.zadd(this.outboxIndex, now, channelTag(appID, channelID));
  }

  async clearOutbox(entry: OutboxEntry): Promise<boolean> {
    const tag = channelTag(entry.appID, entry.channelID);
    return (await this.redis.chClearOutbox(this.outboxIndex, tag, entry.since)) === 1;
  }

  async setGate(appID: string, channelID: string, gate: ChannelGate): Promise<void> {
    const key = this.options.keys.channelMeta(appID, channelID);
    await this.redis
      .multi()
      .hset(key, 'exists', gate.exists ? '1' : '0', 'closed', gate.closed ? '1' : '0')
      .expire(key, gate.exists ? this.gateTtl : 60)
      .exec();
  }

  async dropStream(appID: string, channelID: string): Promise<void> {
    const k = this.options.keys;
    await this.redis.chDropStream(
      k.streamMeta(appID, channelID),
      k.streamWindow(appID, channelID),
      k.streamCommitted(appID, channelID),
      k.streamDropped(appID, channelID),
      DROPPED_EPOCH_TTL_SECONDS,
    );
  }

  async droppedStreams(streams: readonly StreamRef[]): Promise<boolean[]> {
    if (streams.length === 0) return [];
    const k = this.options.keys;
    const pipeline = this.redis.pipeline();
    for (const s of streams) pipeline.sismember(k.streamDropped(s.appID, s.channelID), s.epoch);
    const results = (await pipeline.exec()) ?? [];
    return streams.map((_, i) => {
      const [err, value] = results[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      return value === 1;
    });
  }

  async emitToChannel<E extends keyof ServerToClientEvents>(
    appID: string,
    channelID: string,
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
  ): Promise<void> {
    const room = channelRoom(appID, channelID);
    await this.redis.spublish(
      roomShardChannel(this.options.keys.prefix, room),
      roomBroadcastMessage(room, event, payload),
    );
  }

  private async loadGate(appID: string, channelID: string): Promise<void> {
    const gate = await this.source.gate(appID, channelID);
    await this.redis.chFillGate(
      this.options.keys.channelMeta(appID, channelID),
      gate.exists ? '1' : '0',
      gate.closed ? '1' : '0',
      gate.exists ? this.gateTtl : 30,
    );
  }

  /**
   * A new epoch after the stored top. When the channel's stream existed before (Redis lost it), up
   * to `maxUncommitted` acked events above the stored top may have been seen by subscribers and may
   * still reach Postgres from the queue: the new epoch starts above all of them.
   */
  private async seed(appID: string, channelID: string): Promise<StreamPosition> {
    const { top: stored, reseed } = await this.source.seedPosition(appID, channelID);
    const top = reseed ? stored + this.maxUncommitted : stored;
    const k = this.options.keys;
    const [t, e] = await this.redis.chSeed(
      k.streamMeta(appID, channelID),
      k.streamCommitted(appID, channelID),
      top,
      newEpoch(),
    );
    return { top: Number(t), epoch: e, durable: Number(t) };
  }
}

/** Parses a window script answer {top, epoch, first, durable, chunk…}. */
function windowTextRead(out: string[], afterOffset: number): WindowTextRead {
  const [topS, epoch, firstS, durableS, ...chunks] = out;
  const top = Number(topS);
  const first = Number(firstS);
  return {
    top,
    first,
    durable: Number(durableS),
    epoch,
    events: splitEventTexts(chunks.join('\n')),
    // Complete when nothing after `afterOffset` was trimmed away (or the caller asked for the tail).
    complete: afterOffset < 0 || afterOffset + 1 >= first || top <= afterOffset,
  };
}
