import { Command } from 'commander';
import { seg } from '../admin-client';
import type { Client } from '../api-types';
import { isoTime } from '../output';
import { pageRequest, printPage, withPaging } from './pagination';
import type { Register } from './register';

/** `clients [list|create|delete]`: clients of the app (`/v1/apps/{app}/clients`). */
export const clientsCommand: Register = (action) => {
  const clients = new Command('clients').description('list, create or delete the clients of an app (--app)');

  withPaging(
    clients
      .command('list', { isDefault: true })
      .description('list clients (default command of `clients`)')
      .option('--search <text>', 'only clients whose id or username contains this'),
  ).action(
    action<[{ limit?: number; cursor?: string; search?: string }]>(async (ctx, o) => {
      const page = await ctx
        .admin()
        .list<Client>(`/v1/apps/${seg(ctx.app)}/clients`, 'clients', pageRequest(o), { search: o.search });
      printPage(ctx.out, 'clients', page, ['CLIENT', 'USERNAME', 'CREATED'], (c) => [
        c.clientID,
        c.username,
        isoTime(c.createdAt),
      ]);
    }),
  );

  clients
    .command('create <clientID>')
    .description('create a client')
    .option('--username <name>', 'display name')
    .option('--extra <text>', 'free text kept with the client (e.g. JSON)')
    .action(
      action<[string, { username?: string; extra?: string }]>(async (ctx, clientID, o) => {
        const client = await ctx.admin().request<Client>('POST', `/v1/apps/${seg(ctx.app)}/clients`, {
          body: { clientID, ...o },
        });
        ctx.out.result(client, () => `created client ${client.clientID} in app ${client.appID}`);
      }),
    );

  clients
    .command('delete <clientID>')
    .description('delete a client: its memberships go too and its connections are closed')
    .action(
      action<[string]>(async (ctx, clientID) => {
        const app = ctx.app;
        await ctx.admin().request('DELETE', `/v1/apps/${seg(app)}/clients/${seg(clientID)}`);
        ctx.out.result(
          { deleted: true, appID: app, clientID },
          () => `deleted client ${clientID} of app ${app}`,
        );
      }),
    );
  return clients;
};
