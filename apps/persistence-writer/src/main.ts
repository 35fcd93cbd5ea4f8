import 'reflect-metadata';
import { runService } from '@channels/bootstrap';
import { AppModule } from './app.module';
import { writerEnvSchema } from './config';

void runService({
  service: 'persistence-writer',
  envSchema: writerEnvSchema,
  module: (config) => AppModule.forRoot(config),
  port: (config) => config.WRITER_PORT,
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS,
});
