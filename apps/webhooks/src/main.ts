import 'reflect-metadata';
import { runService } from '@channels/bootstrap';
import { AppModule } from './app.module';
import { webhooksEnvSchema } from './config';

void runService({
  service: 'webhooks',
  envSchema: webhooksEnvSchema,
  module: (config) => AppModule.forRoot(config),
  port: (config) => config.WEBHOOKS_PORT,
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS,
});
