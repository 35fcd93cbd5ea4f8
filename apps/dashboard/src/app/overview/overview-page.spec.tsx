import { screen, waitFor } from '@testing-library/react';
import { FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';
import { gatewaySeries, MAX_SAMPLES, toSample } from './stats-history';

const stats = (gateways: [string, number, number][]) => ({
  appID: 'demo',
  connections: gateways.reduce((s, [, c]) => s + c, 0),
  subscriptions: 0,
  activeChannels: 1,
  gateways: gateways.map(([gatewayID, connections, eventsPerSecond]) => ({
    gatewayID,
    connections,
    subscriptions: connections,
    eventsPerSecond,
    updatedAt: 1,
  })),
});

describe('overview statistics', () => {
  it('charts each gateway seen in the window, 0 where a sample lacks it', () => {
    const samples = [
      toSample(stats([['gw1', 2, 1.5]]), 1_000),
      toSample(
        stats([
          ['gw1', 3, 0],
          ['gw2', 1, 4],
        ]),
        6_000,
      ),
    ];
    expect(gatewaySeries(samples, 'eventsPerSecond')).toEqual({
      gateways: ['gw1', 'gw2'],
      rows: [
        { time: samples[0].time, gw1: 1.5, gw2: 0 },
        { time: samples[1].time, gw1: 0, gw2: 4 },
      ],
    });
    expect(gatewaySeries(samples, 'connections').rows.map((r) => [r['gw1'], r['gw2']])).toEqual([
      [2, 0],
      [3, 1],
    ]);
    expect(MAX_SAMPLES).toBe(60);
  });

  it('shows the live totals and the busiest channels with links', async () => {
    const api = new FakeApi()
      .on('GET', '/v1/apps/demo', { body: DEMO_APP })
      .on('GET', '/v1/apps/demo/stats', { body: stats([['gw1', 4, 2]]) })
      .on('GET', '/v1/apps/demo/active-channels', {
        body: {
          channels: [
            { channelID: 'quiet', subscribers: 1 },
            { channelID: 'busy', subscribers: 9 },
          ],
          nextCursor: null,
        },
      });
    renderDashboard('/apps/demo', { token: ADMIN_OF_DEMO, api });
    await waitFor(() => expect(screen.getByRole('status', { name: 'Connections' }).textContent).toBe('4'));
    expect(screen.getByRole('status', { name: 'Active channels' }).textContent).toBe('1');
    const links = await screen.findAllByRole('link', { name: /busy|quiet/ });
    expect(links.map((l) => l.textContent)).toEqual(['busy', 'quiet']);
    expect(links[0].getAttribute('href')).toBe('/apps/demo/channels/busy');
  });
});
