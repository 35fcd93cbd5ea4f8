import 'reflect-metadata';
import { runService } from '@channels/bootstrap';
import { AppModule } from './app.module';
import { adminApiEnvSchema } from './config';

void runService({
  service: 'admin-api',
  envSchema: adminApiEnvSchema,
  module: (config) => AppModule.forRoot(config),
  port: (config) => config.ADMIN_API_PORT,
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS,
});
