import { Command } from 'commander';
import { seg } from '../admin-client';
import type { App } from '../api-types';
import { isoTime } from '../output';
import { pageRequest, printPage, withPaging } from './pagination';
import type { Register } from './register';

/** `apps [list|create|delete]`: tenants (`/v1/apps`). */
export const appsCommand: Register = (action) => {
  const apps = new Command('apps').description('list, create or delete apps');

  withPaging(
    apps.command('list', { isDefault: true }).description('list apps (default command of `apps`)'),
  ).action(
    action<[{ limit?: number; cursor?: string }]>(async (ctx, o) => {
      const page = await ctx.admin().list<App>('/v1/apps', 'apps', pageRequest(o));
      printPage(ctx.out, 'apps', page, ['APP', 'NAME', 'CREATED'], (a) => [
        a.appID,
        a.name,
        isoTime(a.createdAt),
      ]);
    }),
  );

  apps
    .command('create <appID>')
    .description('create an app (super admin)')
    .option('--name <name>', 'display name')
    .action(
      action<[string, { name?: string }]>(async (ctx, appID, o) => {
        const app = await ctx.admin().request<App>('POST', '/v1/apps', {
          body: { appID, ...(o.name !== undefined ? { name: o.name } : {}) },
        });
        ctx.out.result(app, () => `created app ${app.appID}`);
      }),
    );

  apps
    .command('delete <appID>')
    .description('delete an app with all its clients, channels and events (super admin)')
    .action(
      action<[string]>(async (ctx, appID) => {
        await ctx.admin().request('DELETE', `/v1/apps/${seg(appID)}`);
        ctx.out.result({ deleted: true, appID }, () => `deleted app ${appID}`);
      }),
    );
  return apps;
};
