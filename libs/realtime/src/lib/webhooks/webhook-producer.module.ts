import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisControlBus } from '../control/redis-control-bus';
import { REDIS, REDIS_KEYS, REDIS_OPTIONS, type RedisKeys, type RedisOptions } from '../redis/redis.module';
import { BullmqWebhookDispatch } from './bullmq-webhook-dispatch';
import { RedisWebhookOutbox } from './redis-webhook-outbox';
import { RedisWebhookSettings } from './redis-webhook-settings';
import { WEBHOOK_DISPATCH, type WebhookDispatch } from './webhook-dispatch.port';
import { WEBHOOK_EMITTER, WebhookEmitter } from './webhook-emitter';
import { WEBHOOK_OUTBOX, type WebhookOutbox } from './webhook-outbox.port';
import { WEBHOOK_SETTINGS, type WebhookSettingsCache } from './webhook-settings.port';

/**
 * Keeps the emitter's cached settings in step with admin-api: `webhooks_updated` drops an app's
 * copy, and a control subscription that reconnected (messages may have been lost) drops them all.
 */
@Injectable()
class WebhookSettingsListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('WebhookSettings');
  private unsubscribe?: () => Promise<void>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(WEBHOOK_EMITTER) private readonly emitter: WebhookEmitter,
  ) {}

  async onModuleInit(): Promise<void> {
    const bus = new RedisControlBus(this.redis, this.keys.controlChannel());
    try {
      this.unsubscribe = await bus.subscribe(
        (m) => {
          if (m.type === 'webhooks_updated' || m.type === 'app_deleted')
            this.emitter.settingsChanged(m.appID);
        },
        () => this.emitter.settingsChanged(),
      );
    } catch (e) {
      this.logger.warn(
        `control channel not subscribed (${(e as Error).message}); cached settings expire on their own`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }
}

export interface WebhookProducerOptions {
  /** How long a process trusts its cached copy of an app's webhook types (default 10 s). */
  settingsCacheMs?: number;
}

/**
 * Gives a service the `WebhookEmitter` (and its Redis outbox, settings copy and BullMQ dispatch).
 * Needs RedisModule.
 */
@Module({})
export class WebhookProducerModule {
  static forRoot(options: WebhookProducerOptions = {}): DynamicModule {
    return {
      module: WebhookProducerModule,
      global: true,
      providers: [
        {
          provide: WEBHOOK_SETTINGS,
          inject: [REDIS, REDIS_KEYS],
          useFactory: (redis: Redis, keys: RedisKeys) =>
            new RedisWebhookSettings(redis, keys, options.settingsCacheMs ?? 10_000),
        },
        {
          provide: WEBHOOK_OUTBOX,
          inject: [REDIS, REDIS_KEYS],
          useFactory: (redis: Redis, keys: RedisKeys) => new RedisWebhookOutbox(redis, keys),
        },
        {
          provide: WEBHOOK_DISPATCH,
          inject: [REDIS_OPTIONS],
          useFactory: (redis: RedisOptions) =>
            new BullmqWebhookDispatch({ redisUrl: redis.url, keyPrefix: redis.keyPrefix }),
        },
        {
          provide: WEBHOOK_EMITTER,
          inject: [WEBHOOK_SETTINGS, WEBHOOK_OUTBOX, WEBHOOK_DISPATCH],
          useFactory: (settings: WebhookSettingsCache, outbox: WebhookOutbox, dispatch: WebhookDispatch) =>
            new WebhookEmitter(settings, outbox, dispatch),
        },
        WebhookSettingsListener,
      ],
      exports: [WEBHOOK_SETTINGS, WEBHOOK_OUTBOX, WEBHOOK_DISPATCH, WEBHOOK_EMITTER],
    };
  }
}
