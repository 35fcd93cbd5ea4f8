import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  channelRoom,
  type ChannelEvent,
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
  PublishOutcome,
  StreamSource,
  WindowTextRead,
} from './broker.port';
import { FILL_GATE_LUA, PUBLISH_LUA, READ_WINDOW_LUA, SEED_LUA } from './lua-scripts';

export interface RedisBrokerOptions {
  keys: RedisKeys;
  /** Events kept per channel in the hot window. */
  windowSize: number;
  /** How long a publisher's id dedupes re-publishes (≥ 300 s). */
  idempotencyTtlSeconds: number;
  /** How long a gate loaded from storage is trusted before it is re-read. */
  gateTtlSeconds?: number;
}

type ScriptedRedis = Redis & {
  chReadWindow(...args: (string | number)[]): Promise<string[]>;
  chSeed(...args: (string | number)[]): Promise<[string, string]>;
  chFillGate(...args: (string | number)[]): Promise<[string | null, string | null]>;
};

const newEpoch = (): string => randomBytes(6).toString('hex');

/** Strings of one channel that every publish on it sends to the script. */
interface ChannelStatics {
  gate: string;
  meta: string;
  window: string;
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
    redis.defineCommand('chSeed', { numberOfKeys: 1, lua: SEED_LUA });
    redis.defineCommand('chFillGate', { numberOfKeys: 1, lua: FILL_GATE_LUA });
    this.redis = redis as ScriptedRedis;
    this.gateTtl = options.gateTtlSeconds ?? 3600;
  }

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
      );
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
      );
    let out = await read();
    if (out.length === 0) {
      await this.seed(appID, channelID);
      out = await read();
    }
    const [topS, epoch, firstS, ...chunks] = out;
    const top = Number(topS);
    const first = Number(firstS);
    return {
      top,
      first,
      epoch,
      events: splitEventTexts(chunks.join('\n')),
      // Complete when nothing after `afterOffset` was trimmed away (or the caller asked for the tail).
      complete: afterOffset < 0 || afterOffset + 1 >= first || top <= afterOffset,
    };
  }

  async position(appID: string, channelID: string): Promise<{ top: number; epoch: string }> {
    const meta = await this.redis.hmget(this.options.keys.streamMeta(appID, channelID), 'top', 'epoch');
    if (meta[0] !== null && meta[1] !== null) return { top: Number(meta[0]), epoch: meta[1] };
    return this.seed(appID, channelID);
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
    await this.redis.del(k.streamMeta(appID, channelID), k.streamWindow(appID, channelID));
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

  private async seed(appID: string, channelID: string): Promise<{ top: number; epoch: string }> {
    const top = await this.source.storedTop(appID, channelID);
    const [t, e] = await this.redis.chSeed(this.options.keys.streamMeta(appID, channelID), top, newEpoch());
    return { top: Number(t), epoch: e };
  }
}
