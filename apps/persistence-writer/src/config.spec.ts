import { ConfigError, loadEnv } from '@channels/bootstrap';
import { writerEnvSchema } from './config';

describe('writer configuration', () => {
  it('has working defaults', () => {
    const c = loadEnv(writerEnvSchema, {});
    expect(c).toMatchObject({
      WRITER_PORT: 3100,
      WRITER_CONCURRENCY: 32,
      WRITER_MAX_BATCH_EVENTS: 5_000,
      RETENTION_MAX_AGE_SECONDS: 0,
      RETENTION_MAX_COUNT: 0,
      RETENTION_INTERVAL_MS: 60_000,
    });
  });

  it('names every bad variable', () => {
    const bad = () => loadEnv(writerEnvSchema, { WRITER_PORT: '70000', WRITER_CONCURRENCY: 'many' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/WRITER_PORT: must be <= 65535[\s\S]*WRITER_CONCURRENCY: must be a number/);
  });
});
