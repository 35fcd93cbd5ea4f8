import { Command, Option } from 'commander';
import { seg } from '../admin-client';
import type { Namespace } from '../api-types';
import { intArg } from '../arguments';
import { table } from '../output';
import type { Register } from './register';

/** Settings flags shared by `create` and `update` (absent: unchanged on update, the default on create). */
interface SettingsOptions {
  persistent?: boolean;
  private?: boolean;
  presence?: boolean;
  clientPublish?: boolean;
  joinLeave?: boolean;
  autoCreate?: boolean;
  historySize?: number;
  historyTtl?: number;
}

const BOOLEANS = [
  ['persistent', 'store the events of its channels (history and recovery)'],
  ['private', 'only members may subscribe and publish'],
  ['presence', "push members' online status"],
  ['client-publish', 'clients may publish (default on)'],
  ['join-leave', 'push members added / removed on presence channels (default on)'],
  ['auto-create', 'its channels exist on first subscribe or publish'],
] as const;

/** `--persistent` / `--no-persistent` … and the history limits, on `command`. */
function withSettings(command: Command): Command {
  for (const [flag, what] of BOOLEANS) {
    command.addOption(new Option(`--${flag}`, what));
    command.addOption(new Option(`--no-${flag}`, `the opposite of --${flag}`));
  }
  return command
    .option(
      '--history-size <n>',
      'keep at most this many newest events per channel (0: all)',
      intArg(0, 10_000_000),
    )
    .option('--history-ttl <seconds>', 'delete events older than this (0: never)', intArg(0, 315_360_000));
}

const body = (o: SettingsOptions) => ({
  ...(o.persistent !== undefined ? { persistent: o.persistent } : {}),
  ...(o.private !== undefined ? { private: o.private } : {}),
  ...(o.presence !== undefined ? { presence: o.presence } : {}),
  ...(o.clientPublish !== undefined ? { clientPublish: o.clientPublish } : {}),
  ...(o.joinLeave !== undefined ? { joinLeave: o.joinLeave } : {}),
  ...(o.autoCreate !== undefined ? { autoCreate: o.autoCreate } : {}),
  ...(o.historySize !== undefined ? { historySize: o.historySize } : {}),
  ...(o.historyTtl !== undefined ? { historyTTLSeconds: o.historyTtl } : {}),
});

const settings = (n: Namespace): string =>
  [
    n.autoCreate && 'auto-create',
    n.persistent && 'persistent',
    n.private && 'private',
    n.presence && 'presence',
    !n.clientPublish && 'no-client-publish',
    !n.joinLeave && 'no-join-leave',
    n.historySize !== null && `history-size=${n.historySize}`,
    n.historyTTLSeconds !== null && `history-ttl=${n.historyTTLSeconds}s`,
  ]
    .filter(Boolean)
    .join(',');

/** `namespaces [list|create|update|delete]`: channel defaults for the ids `<name>:…` of an app. */
export const namespacesCommand: Register = (action) => {
  const namespaces = new Command('namespaces').description(
    'list, create, update or delete the namespaces of an app (--app): defaults for its channels <name>:…',
  );
  const path = (app: string, name?: string) =>
    `/v1/apps/${seg(app)}/namespaces${name !== undefined ? `/${seg(name)}` : ''}`;

  namespaces
    .command('list', { isDefault: true })
    .description('list namespaces (default command of `namespaces`)')
    .action(
      action<[]>(async (ctx) => {
        const { namespaces: list } = await ctx
          .admin()
          .request<{ namespaces: Namespace[] }>('GET', path(ctx.app));
        ctx.out.result({ namespaces: list }, () =>
          list.length
            ? table(
                ['NAMESPACE', 'SETTINGS'],
                list.map((n) => [n.name, settings(n)]),
              )
            : ['(no namespaces)'],
        );
      }),
    );

  withSettings(namespaces.command('create <name>').description('create a namespace')).action(
    action<[string, SettingsOptions]>(async (ctx, name, o) => {
      const n = await ctx.admin().request<Namespace>('POST', path(ctx.app), { body: { name, ...body(o) } });
      ctx.out.result(n, () => `created namespace ${n.name} in app ${n.appID} (${settings(n) || 'defaults'})`);
    }),
  );

  withSettings(
    namespaces
      .command('update <name>')
      .description('change settings; the channels made from the namespace follow at once'),
  ).action(
    action<[string, SettingsOptions]>(async (ctx, name, o) => {
      const n = await ctx.admin().request<Namespace>('PATCH', path(ctx.app, name), { body: body(o) });
      ctx.out.result(n, () => `updated namespace ${n.name} (${settings(n) || 'defaults'})`);
    }),
  );

  namespaces
    .command('delete <name>')
    .description('delete a namespace; its channels stay as they are')
    .action(
      action<[string]>(async (ctx, name) => {
        const app = ctx.app;
        await ctx.admin().request('DELETE', path(app, name));
        ctx.out.result({ deleted: true, appID: app, name }, () => `deleted namespace ${name} of app ${app}`);
      }),
    );
  return namespaces;
};
