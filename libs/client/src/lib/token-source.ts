import { ChannelsError } from './channels-error';

/** Fetches a fresh token from the application's backend (see {@link ChannelsClientOptions.getToken}). */
export type GetToken = () => Promise<string>;

/** A token is fetched anew when it expires within this margin (ms). */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * The `exp` claim of a JWT in unix ms, read without verifying the signature (the server verifies;
 * the client only needs to know when to ask for a new one). Undefined when absent or unreadable.
 */
export function tokenExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    return typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The connection's credentials: a fixed token, or tokens from `getToken` — asked for when there is
 * none yet, when the current one expires within a few seconds, and after the server refused it.
 */
export class TokenSource {
  private token: string | undefined;

  constructor(
    initial: string | undefined,
    private readonly getToken: GetToken | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.token = initial;
  }

  /** Whether a refused or expiring token can be replaced. */
  get refreshable(): boolean {
    return this.getToken !== undefined;
  }

  /** The token to connect with; `fresh` when it was just fetched from `getToken`. */
  async current(): Promise<{ token: string; fresh: boolean }> {
    const t = this.token;
    if (t !== undefined && (!this.refreshable || !this.expiresSoon(t))) return { token: t, fresh: false };
    return { token: await this.fetch(), fresh: true };
  }

  /** Asks `getToken` for a new token and keeps it. */
  async fetch(): Promise<string> {
    if (!this.getToken) {
      if (this.token !== undefined) return this.token;
      throw new ChannelsError('unauthorized', 'no token: pass `token` or `getToken`');
    }
    const token = await this.getToken();
    if (typeof token !== 'string' || token.length === 0)
      throw new ChannelsError('unauthorized', 'getToken() must resolve to a non-empty string');
    this.token = token;
    return token;
  }

  /** Forgets a token the server refused or expired (the next `current()` fetches one, if it can). */
  invalidate(): void {
    if (this.refreshable) this.token = undefined;
  }

  private expiresSoon(token: string): boolean {
    const exp = tokenExpiry(token);
    return exp !== undefined && exp - this.now() < EXPIRY_MARGIN_MS;
  }
}
