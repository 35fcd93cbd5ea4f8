import { ConfigError, loadEnv } from '@channels/bootstrap';
import { webhooksEnvSchema } from './config';

describe('webhooks configuration', () => {
  it('has working defaults', () => {
    expect(loadEnv(webhooksEnvSchema, {})).toMatchObject({
      WEBHOOKS_PORT: 3300,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_ATTEMPTS: 12,
      WEBHOOK_APP_CONCURRENCY: 8,
    });
  });

  it('names every bad variable, and a lock shorter than a request', () => {
    const bad = () => loadEnv(webhooksEnvSchema, { WEBHOOKS_PORT: '0', WEBHOOK_ATTEMPTS: 'lots' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/WEBHOOKS_PORT: must be >= 1[\s\S]*WEBHOOK_ATTEMPTS: must be a number/);
    expect(() =>
      loadEnv(webhooksEnvSchema, { WEBHOOK_TIMEOUT_MS: '40000', WEBHOOKS_LOCK_DURATION_MS: '30000' }),
    ).toThrow(/WEBHOOKS_LOCK_DURATION_MS: must be greater than WEBHOOK_TIMEOUT_MS/);
  });
});
