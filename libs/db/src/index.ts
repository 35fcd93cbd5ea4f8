export * from './lib/prisma.service';
export * from './lib/db.module';
export * from './lib/pagination';
export * from './lib/app.repository';
export * from './lib/client.repository';
export * from './lib/channel.repository';
export * from './lib/membership.repository';
export * from './lib/event.repository';
