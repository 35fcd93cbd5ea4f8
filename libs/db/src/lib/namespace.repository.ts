import { Injectable } from '@nestjs/common';
import type { HooksConfig, Namespace, NamespaceSettings } from '@channels/contracts';
import { Prisma } from '../generated/prisma/client';
import { mapPrismaError } from './errors';
import { PrismaService } from './prisma.service';

type Row = {
  appId: string;
  name: string;
  persistent: boolean;
  private: boolean;
  presence: boolean;
  historySize: number | null;
  historyTtlSeconds: number | null;
  clientPublish: boolean;
  joinLeave: boolean;
  autoCreate: boolean;
  hooks: unknown;
  createdAt: Date;
};
const toNamespace = (r: Row): Namespace => ({
  appID: r.appId,
  name: r.name,
  persistent: r.persistent,
  private: r.private,
  presence: r.presence,
  historySize: r.historySize,
  historyTTLSeconds: r.historyTtlSeconds,
  clientPublish: r.clientPublish,
  joinLeave: r.joinLeave,
  autoCreate: r.autoCreate,
  hooks: (r.hooks as HooksConfig | null) ?? null,
  createdAt: r.createdAt.getTime(),
});

export type NamespaceWrite = Partial<NamespaceSettings> & { hooks?: HooksConfig | null };

const toColumns = (s: NamespaceWrite) => ({
  ...(s.hooks !== undefined
    ? { hooks: s.hooks === null ? Prisma.DbNull : (s.hooks as Prisma.InputJsonValue) }
    : {}),
  ...(s.persistent !== undefined ? { persistent: s.persistent } : {}),
  ...(s.private !== undefined ? { private: s.private } : {}),
  ...(s.presence !== undefined ? { presence: s.presence } : {}),
  ...(s.historySize !== undefined ? { historySize: s.historySize } : {}),
  ...(s.historyTTLSeconds !== undefined ? { historyTtlSeconds: s.historyTTLSeconds } : {}),
  ...(s.clientPublish !== undefined ? { clientPublish: s.clientPublish } : {}),
  ...(s.joinLeave !== undefined ? { joinLeave: s.joinLeave } : {}),
  ...(s.autoCreate !== undefined ? { autoCreate: s.autoCreate } : {}),
});

/** Namespaces of an app (protocol §5.1): channel defaults for the ids `<name>:…`. */
@Injectable()
export class NamespaceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(appID: string, name: string, settings: NamespaceWrite): Promise<Namespace> {
    try {
      return toNamespace(
        await this.prisma.namespace.create({ data: { appId: appID, name, ...toColumns(settings) } }),
      );
    } catch (e) {
      return mapPrismaError(e, `namespace ${name}`);
    }
  }

  async find(appID: string, name: string): Promise<Namespace | null> {
    const r = await this.prisma.namespace.findUnique({ where: { appId_name: { appId: appID, name } } });
    return r ? toNamespace(r) : null;
  }

  /** Every namespace of the app, by name (an app has few: they are not paged). */
  async list(appID: string): Promise<Namespace[]> {
    const rows = await this.prisma.namespace.findMany({ where: { appId: appID }, orderBy: { name: 'asc' } });
    return rows.map(toNamespace);
  }

  async update(appID: string, name: string, settings: NamespaceWrite): Promise<Namespace> {
    try {
      return toNamespace(
        await this.prisma.namespace.update({
          where: { appId_name: { appId: appID, name } },
          data: toColumns(settings),
        }),
      );
    } catch (e) {
      return mapPrismaError(e, `namespace ${name}`);
    }
  }

  /** Deletes the namespace; its channels stay, with the settings they have. */
  async delete(appID: string, name: string): Promise<boolean> {
    const { count } = await this.prisma.namespace.deleteMany({ where: { appId: appID, name } });
    return count > 0;
  }
}
