import jwt from 'jsonwebtoken';
import type { Role } from '@channels/contracts';

/** Signs HS256 tokens (demo tokens at start-up, tests, benchmarks). */
export function signToken(
  secret: string,
  claims: { Role: Role | 'SuperAdmin'; ClientID: string; AppID?: string },
  opts: { expiresInSeconds?: number } = {},
): string {
  return jwt.sign(claims, secret, {
    algorithm: 'HS256',
    ...(opts.expiresInSeconds !== undefined ? { expiresIn: opts.expiresInSeconds } : {}),
  });
}
