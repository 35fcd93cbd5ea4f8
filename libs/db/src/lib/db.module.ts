import { type DynamicModule, Module } from '@nestjs/common';
import { AppRepository } from './app.repository';
import { ChannelRepository } from './channel.repository';
import { ClientRepository } from './client.repository';
import { EventRepository } from './event.repository';
import { EventWriterRepository } from './event-writer.repository';
import { MembershipRepository } from './membership.repository';
import { NamespaceRepository } from './namespace.repository';
import { TokenRevocationRepository } from './token-revocation.repository';
import { WebhookRepository } from './webhook.repository';
import { DATABASE_OPTIONS, type DatabaseOptions, PrismaService } from './prisma.service';

const repositories = [
  AppRepository,
  ClientRepository,
  ChannelRepository,
  MembershipRepository,
  NamespaceRepository,
  EventRepository,
  EventWriterRepository,
  TokenRevocationRepository,
  WebhookRepository,
];

/** Provides PrismaService and the repositories; the only module that touches Prisma. */
@Module({})
export class DbModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DbModule,
      global: true,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        {
          provide: PrismaService,
          inject: [DATABASE_OPTIONS],
          useFactory: (o: DatabaseOptions) => new PrismaService(o),
        },
        ...repositories,
      ],
      exports: [PrismaService, ...repositories],
    };
  }
}
