import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { io } from 'socket.io-client';
import { channel } from '../../test/channels';
import { FakeApi } from '../../test/fake-api';
import { FakeSocket, subscribed } from '../../test/fake-socket';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

jest.mock('socket.io-client', () => ({ io: jest.fn() }));

const LOBBY = channel('room:lobby', {
  persistent: true,
  presence: true,
  autoCreated: true,
  historySize: 1000,
  historyTTLSeconds: 86_400,
  joinLeave: false,
});

function setup() {
  (io as unknown as jest.Mock).mockImplementation((url: string, opts: unknown) => {
    const s = new FakeSocket(url, opts).answer('subscribe', () => subscribed('room:lobby', 0));
    queueMicrotask(() => s.push('ready', {}));
    return s;
  });
  let current: object = LOBBY;
  const api = new FakeApi()
    .on('GET', '/dashboard/config.json', { body: { gatewayURL: 'http://gw.test' } })
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/channels/:id', () => ({ body: current }))
    .on('GET', '/v1/apps/demo/channels/:id/members', { body: { members: [], nextCursor: null } })
    .on('GET', '/v1/apps/demo/channels/:id/events', { body: { events: [], epoch: 'E1', nextCursor: null } })
    .on('PATCH', '/v1/apps/demo/channels/:id', (c) => {
      current = { ...current, ...(c.body as object), autoCreated: false };
      return { body: current };
    });
  renderDashboard('/apps/demo/channels/room%3Alobby', { token: ADMIN_OF_DEMO, api });
  return api;
}

describe("a channel's settings", () => {
  it('shows retention, join/leave and that an auto-created channel follows its namespace', async () => {
    setup();
    await screen.findByRole('heading', { name: 'room:lobby', level: 1 });
    expect(screen.getByText('auto-created')).toBeTruthy();
    expect(screen.getByText(/history: newest 1,000 events, up to 1 day old/)).toBeTruthy();
    expect(screen.getByText(/join\/leave not announced/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'room' }).getAttribute('href')).toBe('/apps/demo/namespaces');
  });

  it('edits the new settings, warning that an auto-created channel then stops following its namespace', async () => {
    const api = setup();
    await userEvent.click(await screen.findByRole('button', { name: 'Edit settings' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit channel room:lobby' });
    expect(within(dialog).getByText(/This channel follows namespace room/)).toBeTruthy();
    expect((within(dialog).getByRole('textbox', { name: /History size/ }) as HTMLInputElement).value).toBe(
      '1000',
    );
    await userEvent.click(within(dialog).getByRole('switch', { name: /Join and leave/ }));
    await userEvent.clear(within(dialog).getByRole('textbox', { name: /History size/ }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.made('PATCH', '/v1/apps/demo/channels/room%3Alobby')).toHaveLength(1));
    expect(api.made('PATCH', '/v1/apps/demo/channels/room%3Alobby')[0].body).toMatchObject({
      joinLeave: true,
      historySize: null,
      historyTTLSeconds: 86_400,
      clientPublish: true,
    });
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Edit channel room:lobby' })).toBeNull());
    await waitFor(() => expect(screen.queryByText('auto-created')).toBeNull());
  });
});
