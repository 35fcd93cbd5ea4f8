import { Command } from 'commander';
import { seg } from '../admin-client';
import type { AppStats, ClusterStats, GatewaySummary } from '../api-types';
import { fields, isoTime, table } from '../output';
import type { Register } from './register';

const gatewayRows = (gateways: GatewaySummary[]): string[] =>
  gateways.length
    ? table(
        ['GATEWAY', 'CONNECTIONS', 'SUBSCRIPTIONS', 'REPORTED'],
        gateways.map((g) => [g.gatewayID, g.connections, g.subscriptions, isoTime(g.updatedAt)]),
      )
    : ['(no live gateway reported)'];

/** `stats`: connection statistics of the app (`--app`), or of every app and gateway (super admin). */
export const statsCommand: Register = (action) =>
  new Command('stats')
    .description(
      'connections and subscriptions of the app (--app), or of every app and gateway without one (super admin)',
    )
    .action(
      action<[]>(async (ctx) => {
        const app = ctx.appOrUndefined;
        if (app !== undefined) {
          const s = await ctx.admin().request<AppStats>('GET', `/v1/apps/${seg(app)}/stats`);
          ctx.out.result(s, () => [
            ...fields([
              ['app', s.appID],
              ['connections', s.connections],
              ['subscriptions', s.subscriptions],
              ['active channels', s.activeChannels],
            ]),
            '',
            ...gatewayRows(s.gateways),
          ]);
          return;
        }
        const s = await ctx.admin().request<ClusterStats>('GET', '/v1/stats');
        ctx.out.result(s, () => [
          ...fields([
            ['connections', s.connections],
            ['subscriptions', s.subscriptions],
          ]),
          '',
          ...gatewayRows(s.gateways),
          '',
          ...(s.apps.length
            ? table(
                ['APP', 'CONNECTIONS', 'SUBSCRIPTIONS', 'ACTIVE CHANNELS'],
                s.apps.map((a) => [a.appID, a.connections, a.subscriptions, a.activeChannels]),
              )
            : ['(no connected app)']),
        ]);
      }),
    );
