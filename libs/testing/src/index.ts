export * from './lib/test-env';
export * from './lib/stack';
export * from './lib/fixtures';
export * from './lib/socket-client';
export * from './lib/tcp-proxy';
export * from './lib/optimized-client';
