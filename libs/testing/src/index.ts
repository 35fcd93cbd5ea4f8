export * from './lib/test-env';
export * from './lib/stack';
export * from './lib/tcp-proxy';
