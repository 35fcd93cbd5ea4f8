import { ChannelsError, ErrorCode } from '@channels/contracts';

/** Maps Prisma's known request errors to product errors (P2002 unique → conflict, P2025 → not found). */
export function mapPrismaError(e: unknown, what: string): never {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'P2002') throw new ChannelsError(ErrorCode.Conflict, `${what} already exists`);
  if (code === 'P2025' || code === 'P2003') throw new ChannelsError(ErrorCode.NotFound, `${what} not found`);
  throw e;
}
