import type { ErrorCode } from '@channels/contracts';

/**
 * Codes the SDK itself produces (never sent by the server):
 * - `disconnected`: the client was disconnected (`disconnect()`) before the call completed;
 * - `timeout`: the call did not complete within its time limit;
 * - `queue_full`: too many publishes are waiting for a connection (`maxQueuedPublishes`);
 * - `unsubscribed`: `unsubscribe()` was called before the subscription completed.
 */
export type ClientErrorCode = 'disconnected' | 'timeout' | 'queue_full' | 'unsubscribed';

/**
 * Every code a {@link ChannelsError} may carry: the server's (protocol §1 and §3, e.g. `forbidden`,
 * `channel_closed`, `unauthorized`, `unavailable`) and the SDK's own. Codes a newer server may add
 * come through as they are.
 */
export type ChannelsErrorCode = ErrorCode | ClientErrorCode | 'denied' | (string & {});

/** A refused or failed operation: what the server answered (`ok: false`), or why the SDK gave up. */
export class ChannelsError extends Error {
  /** Always `ChannelsError`. */
  override readonly name = 'ChannelsError';

  constructor(
    /** Machine-readable reason, e.g. `forbidden`, `channel_closed`, `timeout`. */
    readonly code: ChannelsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Builds a {@link ChannelsError} from an error body the server sent (`{code, message}`). */
export function errorFromBody(body: unknown): ChannelsError {
  const b = (body ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof b.code === 'string' ? b.code : 'internal';
  const message = typeof b.message === 'string' ? b.message : 'the server refused the call';
  return new ChannelsError(code, message);
}
