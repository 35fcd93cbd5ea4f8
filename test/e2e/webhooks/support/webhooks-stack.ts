import { Fixtures, Stack } from '@channels/testing';
import { Http } from '../../admin-api/support/http';
import { Receiver } from './receiver';

/** Short webhook timings for e2e runs: ~6 attempts over ~5 s before a delivery fails for good. */
export const WEBHOOK_TEST_ENV: Record<string, string> = {
  WEBHOOK_ATTEMPTS: '6',
  WEBHOOK_BACKOFF_MS: '300',
  WEBHOOK_BACKOFF_MAX_MS: '1500',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOKS_LOCK_DURATION_MS: '5000',
  WEBHOOK_SWEEP_INTERVAL_MS: '500',
  WEBHOOK_STALE_MS: '2000',
};

/**
 * A stack (admin-api, gateways, presence, the webhooks service; `env` adds to the short webhook
 * timings), an app with its API secret, a receiver on loopback, and an admin HTTP client; started
 * before the file's tests and stopped after them.
 */
export function webhookScenario(
  appID: string,
  options: { gateways?: number; env?: Record<string, string> } = {},
) {
  const stack = new Stack({
    gateways: options.gateways ?? 1,
    writers: 0,
    env: { ...WEBHOOK_TEST_ENV, ...(options.env ?? {}) },
  });
  const receiver = new Receiver();
  const ctx = {
    stack,
    receiver,
    http: undefined as unknown as Http,
    fx: undefined as unknown as Fixtures,
    apiSecret: '',
    token: '',
    /** Sets the app's webhooks to the receiver, for `types`. */
    async subscribe(types: string[]): Promise<void> {
      const r = await ctx.http.put(`/v1/apps/${appID}/webhooks`, {
        token: ctx.token,
        body: { url: receiver.url, types },
      });
      if (r.status !== 200) throw new Error(`PUT webhooks: ${r.status} ${r.text}`);
    },
  };

  beforeAll(async () => {
    await Promise.all([stack.start(), receiver.up()]);
    ctx.http = new Http(stack.adminUrl);
    ctx.fx = await Fixtures.connect(stack.databaseUrl);
    await ctx.fx.app(appID);
    ctx.token = stack.adminToken(appID);
    const app = await ctx.http.get<{ apiSecret: string }>(`/v1/apps/${appID}`, { token: ctx.token });
    ctx.apiSecret = app.body.apiSecret;
  }, 60_000);

  afterAll(async () => {
    await ctx.fx?.close();
    await receiver.down();
    await stack.stop();
  }, 60_000);

  return ctx;
}
