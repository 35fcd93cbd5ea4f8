import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthedRequest } from './auth.guard';
import { RequestRateLimiter } from './request-rate-limiter';

const COUNTS_COMMANDS = 'channels:rate-limit-counts-commands';

/** Marks a route whose body is `{commands: [...]}`: each command counts as one request. */
export const CountsCommands = () => SetMetadata(COUNTS_COMMANDS, true);

/** What a request costs: requests for its token, and per app it addresses. */
export interface RequestCost {
  points: number;
  perApp: Map<string, number>;
}

/**
 * Applies `RequestRateLimiter` to an authenticated request (list it after `AuthGuard`). The app a
 * request addresses is its `:appID` path parameter (`/v1/apps/:appID/…`, `/app/:appID`) or its
 * `AppID` header (the original routes); a batch counts each command, per app by its `appID`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RequestRateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    if (!req.principal) return true;
    const batch = this.reflector.getAllAndOverride<boolean | undefined>(COUNTS_COMMANDS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const cost = batch ? batchCost(req.body) : requestCost(req);
    await this.limiter.consume(req.principal, cost.points, cost.perApp);
    return true;
  }
}

export function requestCost(req: Pick<AuthedRequest, 'params' | 'headers'>): RequestCost {
  const first = (v: unknown): string | undefined => {
    const x: unknown = Array.isArray(v) ? v[0] : v;
    return typeof x === 'string' && x.length > 0 ? x : undefined;
  };
  const appID = first(req.params?.['appID']) ?? first(req.headers['appid']);
  return { points: 1, perApp: new Map<string, number>(appID ? [[appID, 1]] : []) };
}

/** A batch body's cost: one request per command (at least one: a malformed body is still a request). */
export function batchCost(body: unknown): RequestCost {
  const commands = (body as { commands?: unknown } | null)?.commands;
  const perApp = new Map<string, number>();
  if (!Array.isArray(commands) || commands.length === 0) return { points: 1, perApp };
  for (const c of commands) {
    const appID = (c as { params?: { appID?: unknown } } | null)?.params?.appID;
    if (typeof appID === 'string' && appID.length > 0) perApp.set(appID, (perApp.get(appID) ?? 0) + 1);
  }
  return { points: commands.length, perApp };
}
