import 'reflect-metadata';
import { runService } from '@channels/bootstrap';
import { AppModule } from './app.module';
import { presenceEnvSchema } from './config';

void runService({
  service: 'presence',
  envSchema: presenceEnvSchema,
  module: (config) => AppModule.forRoot(config),
  port: (config) => config.PRESENCE_PORT,
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS,
});
