import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ChannelsError, ErrorCode, type Principal } from '@channels/contracts';
import type { AuthedRequest } from './auth.guard';

/** The principal `AuthGuard` verified for this request. */
export const Auth = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new ChannelsError(ErrorCode.Unauthorized, 'missing token');
  return principal;
});
