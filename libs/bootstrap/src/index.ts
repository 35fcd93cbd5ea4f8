export * from './lib/env';
export * from './lib/tokens';
export * from './lib/lifecycle.service';
export * from './lib/health.controller';
export * from './lib/metrics';
export * from './lib/service-kit.module';
export * from './lib/run-service';
export * from './lib/access-log';
