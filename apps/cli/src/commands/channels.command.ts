import { Command } from 'commander';
import { seg } from '../admin-client';
import type { Channel } from '../api-types';
import { isoTime } from '../output';
import { pageRequest, printPage, withPaging } from './pagination';
import type { Register } from './register';

interface CreateOptions {
  name?: string;
  persistent?: boolean;
  private?: boolean;
  presence?: boolean;
  extra?: string;
}

const flags = (c: Channel): string =>
  [c.persistent && 'persistent', c.private && 'private', c.presence && 'presence', c.isClosed && 'closed']
    .filter(Boolean)
    .join(',');

/** `channels [list|create|delete|close|open]`: channels of the app (`/v1/apps/{app}/channels`). */
export const channelsCommand: Register = (action) => {
  const channels = new Command('channels').description(
    'list, create, delete, close or open the channels of an app (--app)',
  );

  withPaging(
    channels
      .command('list', { isDefault: true })
      .description('list channels (default command of `channels`)')
      .option('--search <text>', 'only channels whose id or name contains this'),
  ).action(
    action<[{ limit?: number; cursor?: string; search?: string }]>(async (ctx, o) => {
      const page = await ctx
        .admin()
        .list<Channel>(`/v1/apps/${seg(ctx.app)}/channels`, 'channels', pageRequest(o), { search: o.search });
      printPage(ctx.out, 'channels', page, ['CHANNEL', 'NAME', 'FLAGS', 'CREATED'], (c) => [
        c.channelID,
        c.name,
        flags(c),
        isoTime(c.createdAt),
      ]);
    }),
  );

  channels
    .command('create <channelID>')
    .description('create a channel')
    .option('--name <name>', 'display name')
    .option('--persistent', 'store its events (history and recovery)')
    .option('--private', 'only members may subscribe and publish')
    .option('--presence', "push members' online status and join/leave")
    .option('--extra <text>', 'free text kept with the channel (e.g. JSON)')
    .action(
      action<[string, CreateOptions]>(async (ctx, channelID, o) => {
        const channel = await ctx.admin().request<Channel>('POST', `/v1/apps/${seg(ctx.app)}/channels`, {
          body: {
            channelID,
            persistent: o.persistent === true,
            private: o.private === true,
            presence: o.presence === true,
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.extra !== undefined ? { extra: o.extra } : {}),
          },
        });
        ctx.out.result(
          channel,
          () =>
            `created channel ${channel.channelID} in app ${channel.appID}${flags(channel) ? ` (${flags(channel)})` : ''}`,
        );
      }),
    );

  channels
    .command('delete <channelID>')
    .description('delete a channel with its memberships and stored events; subscribers get remove_channel')
    .action(
      action<[string]>(async (ctx, channelID) => {
        const app = ctx.app;
        await ctx.admin().request('DELETE', `/v1/apps/${seg(app)}/channels/${seg(channelID)}`);
        ctx.out.result(
          { deleted: true, appID: app, channelID },
          () => `deleted channel ${channelID} of app ${app}`,
        );
      }),
    );

  for (const [verb, what] of [
    ['close', 'refuse publishing until reopened; subscribers stay and may read'],
    ['open', 'reopen a closed channel'],
  ] as const) {
    channels
      .command(`${verb} <channelID>`)
      .description(what)
      .action(
        action<[string]>(async (ctx, channelID) => {
          const channel = await ctx
            .admin()
            .request<Channel>('POST', `/v1/apps/${seg(ctx.app)}/channels/${seg(channelID)}/${verb}`);
          ctx.out.result(
            channel,
            () => `${verb === 'close' ? 'closed' : 'opened'} channel ${channel.channelID}`,
          );
        }),
      );
  }
  return channels;
};
