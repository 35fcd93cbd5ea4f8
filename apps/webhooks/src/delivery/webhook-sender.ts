import { signChannelsRequest } from '@channels/auth';
import { SIGNATURE_HEADER, WEBHOOK_ID_HEADER } from '@channels/contracts';

/** What one POST to a receiver came to. */
export interface SendResult {
  /** The receiver answered 2xx. */
  ok: boolean;
  statusCode?: number;
  /** Why it did not count (absent when ok). */
  error?: string;
  durationMs: number;
}

/** Longest error text kept per attempt. */
const MAX_ERROR = 300;

/**
 * POSTs one webhook: the exact body text, signed with the app's API secret, with the webhook id
 * header. A 2xx answer within `timeoutMs` delivers it; anything else (another status, a redirect —
 * not followed —, a timeout, a refused connection) fails the attempt. The answer's body is read
 * and dropped.
 */
export async function sendWebhook(
  url: string,
  id: string,
  body: string,
  apiSecret: string,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Channels-Webhooks/1',
        [WEBHOOK_ID_HEADER]: id,
        [SIGNATURE_HEADER]: signChannelsRequest(apiSecret, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300)
      return { ok: true, statusCode: res.status, durationMs: took() };
    return { ok: false, statusCode: res.status, error: `answered HTTP ${res.status}`, durationMs: took() };
  } catch (e) {
    return { ok: false, error: describe(e, timeoutMs).slice(0, MAX_ERROR), durationMs: took() };
  }
}

function describe(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = err?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return err?.message ?? String(e);
}
