import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ChannelsError, ErrorCode } from '@channels/contracts';
import { AppRepository } from '@channels/db';
import { RequestRateLimiter } from '../auth/request-rate-limiter';
import { verifyApiSignature } from './api-signature';
import { ServerApiCommands, type ServerApiReply } from './server-api.commands';

/** Most commands one server API request may carry. */
export const MAX_SERVER_API_COMMANDS = 1000;

/**
 * The Centrifugo v1 server API of one app (`POST /apps/{appID}/api/`): the request is authenticated
 * by its signature alone, then its commands run one after the other, in order.
 */
@Injectable()
export class ServerApiService {
  /** Verified against for an unknown app, so that it costs what a known one does. */
  private readonly decoySecret = randomBytes(32).toString('base64url');

  constructor(
    private readonly apps: AppRepository,
    private readonly limiter: RequestRateLimiter,
    private readonly commands: ServerApiCommands,
  ) {}

  /**
   * Checks `signature` (hex HMAC-SHA256 of `body` with the app's API secret, read from Postgres on
   * every request so a rotation applies at once on every replica), parses the commands (a JSON
   * array of `{uid?, method, params}`, or one such object), counts each against the app's rate
   * limit and runs them. Missing or wrong signature, unknown app: 401 (the same answer, so the
   * app's existence is not revealed). Malformed body: 400.
   */
  async handle(appID: string, body: Buffer, signature: string | undefined): Promise<ServerApiReply[]> {
    if (!signature) {
      throw new ChannelsError(
        ErrorCode.Unauthorized,
        "missing X-API-Sign header: the hex HMAC-SHA256 of the body with the app's API secret",
      );
    }
    const secret = await this.apps.apiSecret(appID);
    const valid = verifyApiSignature(secret ?? this.decoySecret, body, signature);
    if (secret === null || !valid) {
      throw new ChannelsError(
        ErrorCode.Unauthorized,
        "X-API-Sign is not the body's signature with the app's API secret",
      );
    }
    const commands = parseCommands(body);
    await this.limiter.consumeApp(appID, Math.max(1, commands.length));
    const replies: ServerApiReply[] = [];
    for (const [i, c] of commands.entries()) replies.push(await this.commands.run(appID, c, i));
    return replies;
  }
}

/** The request's commands: a JSON array of them, or a single command object. */
export function parseCommands(body: Buffer): unknown[] {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ChannelsError(ErrorCode.BadRequest, 'body: malformed JSON');
  }
  const commands = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? [v] : undefined;
  if (!commands) {
    throw new ChannelsError(ErrorCode.BadRequest, 'body: must be a JSON array of commands');
  }
  if (commands.length > MAX_SERVER_API_COMMANDS) {
    throw new ChannelsError(
      ErrorCode.BadRequest,
      `body: must hold at most ${MAX_SERVER_API_COMMANDS} commands (got ${commands.length})`,
    );
  }
  return commands;
}
