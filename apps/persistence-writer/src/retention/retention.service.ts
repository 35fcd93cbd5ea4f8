import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@channels/bootstrap';
import { type ChannelKey, type ChannelRetention, EventWriterRepository } from '@channels/db';
import { REDIS } from '@channels/realtime';
import type Redis from 'ioredis';
import type { WriterConfig } from '../config';
import { WriterMetrics } from '../ops/writer-metrics';

const CHANNEL_PAGE = 500;
/** Releases or extends the lock only if this writer still holds it. */
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
const EXTEND_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

/**
 * Periodic history retention. Each pass walks the channels in key order and deletes, per channel,
 * events older than its max age and events beyond its max count (a channel's own settings win over
 * RETENTION_MAX_AGE_SECONDS / RETENTION_MAX_COUNT). Deletes go oldest first in batches of
 * RETENTION_BATCH_SIZE rows, each its own short statement, yielding between batches, so inserts and
 * history reads never wait on a long transaction. One writer replica runs a pass at a time.
 * Deleted channels need nothing here: their events go with them (foreign key cascade).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  private readonly lockKey: string;
  private readonly lockValue = `${process.pid}-${Math.random().toString(36).slice(2)}`;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: WriterConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly repository: EventWriterRepository,
    private readonly metrics: WriterMetrics,
  ) {
    this.lockKey = `${config.REDIS_KEY_PREFIX}writer:retention:lock`;
  }

  onApplicationBootstrap(): void {
    const interval = this.config.RETENTION_INTERVAL_MS;
    if (interval <= 0) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.runPass().finally(() => (this.running = null));
    }, interval);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every channel; returns the number of events deleted (0 when another replica runs). */
  async runPass(): Promise<number> {
    const lockMs = Math.max(60_000, this.config.RETENTION_INTERVAL_MS);
    const locked = await this.redis.set(this.lockKey, this.lockValue, 'PX', lockMs, 'NX').catch(() => null);
    if (locked !== 'OK') return 0;
    let deleted = 0;
    try {
      const defaults = {
        maxAgeSeconds: this.config.RETENTION_MAX_AGE_SECONDS,
        maxCount: this.config.RETENTION_MAX_COUNT,
      };
      let after: ChannelKey | null = null;
      do {
        const page: { channels: ChannelRetention[]; next: ChannelKey | null } =
          await this.repository.retentionPage(defaults, after, CHANNEL_PAGE);
        for (const channel of page.channels) {
          if (this.stopped) return deleted;
          deleted += await this.applyTo(channel);
        }
        after = page.next;
        await this.redis.eval(EXTEND_LOCK, 1, this.lockKey, this.lockValue, lockMs);
      } while (after && !this.stopped);
      if (deleted > 0) this.logger.log(`retention pass deleted ${deleted} events`);
      return deleted;
    } catch (e) {
      this.logger.warn(`retention pass stopped: ${e instanceof Error ? e.message : String(e)}`);
      return deleted;
    } finally {
      await this.redis.eval(RELEASE_LOCK, 1, this.lockKey, this.lockValue).catch(() => undefined);
    }
  }

  private async applyTo(c: ChannelRetention): Promise<number> {
    const batch = this.config.RETENTION_BATCH_SIZE;
    let deleted = 0;
    if (c.maxAgeSeconds > 0) {
      const cutoff = Date.now() - c.maxAgeSeconds * 1000;
      for (let n = batch; n === batch && !this.stopped;) {
        n = await this.repository.deleteOlderThan(c.appID, c.channelID, cutoff, batch);
        this.metrics.retentionDeleted.inc({ rule: 'age' }, n);
        deleted += n;
        await yieldToHotPath();
      }
    }
    if (c.maxCount > 0) {
      const upTo = await this.repository.countCutoffOffset(c.appID, c.channelID, c.maxCount);
      for (let n = upTo === null ? 0 : batch; n === batch && !this.stopped;) {
        n = await this.repository.deleteUpToOffset(c.appID, c.channelID, upTo ?? 0, batch);
        this.metrics.retentionDeleted.inc({ rule: 'count' }, n);
        deleted += n;
        await yieldToHotPath();
      }
    }
    return deleted;
  }
}

/** Lets queued inserts and reads run between two retention deletes. */
const yieldToHotPath = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
