import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
}
export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

/**
 * The one Prisma client of a process (query compiler + node-postgres pool, no engine binary).
 * Connects lazily on first query, so a service boots while Postgres is down and readiness tells.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(options: DatabaseOptions) {
    super({
      adapter: new PrismaPg({
        connectionString: options.url,
        max: options.poolSize,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
      }),
    });
  }

  async ping(): Promise<void> {
    await this.$queryRaw`SELECT 1`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

/** Readiness check of a service that needs Postgres. */
export const postgresReadiness = (prisma: PrismaService) => ({
  name: 'postgres',
  check: () => prisma.ping(),
});
