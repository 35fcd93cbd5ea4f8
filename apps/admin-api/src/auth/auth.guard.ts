import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { TokenVerifier } from '@channels/auth';
import { TokenRevocations } from '@channels/messaging';
import type { Principal } from '@channels/contracts';
import type { Request } from 'express';

/** Request carrying the verified identity behind its `Authorization` header. */
export interface AuthedRequest extends Request {
  principal?: Principal;
}

/**
 * Verifies `Authorization: <token>` or `Authorization: Bearer <token>` (algorithm pinned, `exp` and
 * `nbf` honoured, tokens revoked by deleting their client or app refused) and attaches the
 * principal; answers 401 `unauthorized` otherwise. What the principal may do is decided by the
 * resource services, per app.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    private readonly revocations: TokenRevocations,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers['authorization'];
    const token = this.verifier.verifyToken(Array.isArray(header) ? header[0] : header);
    await this.revocations.check(token);
    req.principal = token.principal;
    return true;
  }
}
