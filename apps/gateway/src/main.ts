import 'reflect-metadata';
import { runService } from '@channels/bootstrap';
import { AppModule } from './app.module';
import { gatewayEnvSchema } from './config';

void runService({
  service: 'gateway',
  envSchema: gatewayEnvSchema,
  module: (config) => AppModule.forRoot(config),
  port: (config) => config.GATEWAY_PORT,
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS + config.DRAIN_WINDOW_MS,
});
