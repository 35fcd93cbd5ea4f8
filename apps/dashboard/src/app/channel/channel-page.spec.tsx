import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { io } from 'socket.io-client';
import { channel } from '../../test/channels';
import { apiError, FakeApi } from '../../test/fake-api';
import { FakeSocket, liveEvent, subscribed } from '../../test/fake-socket';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

jest.mock('socket.io-client', () => ({ io: jest.fn() }));

const ROOM = channel('room', { persistent: true, presence: true, name: 'Room' });
const event = (offset: number) => liveEvent('room', offset, { n: offset });

function setup(over: { channel?: object; api?: (api: FakeApi) => void } = {}) {
  const sockets: FakeSocket[] = [];
  (io as unknown as jest.Mock).mockImplementation((url: string, opts: unknown) => {
    const s = new FakeSocket(url, opts).answer('subscribe', () => subscribed('room', 2));
    sockets.push(s);
    queueMicrotask(() => s.push('ready', {}));
    return s;
  });
  const api = new FakeApi()
    .on('GET', '/dashboard/config.json', { body: { gatewayURL: 'http://gw.test' } })
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/channels/room', { body: { ...ROOM, ...over.channel } })
    .on('GET', '/v1/apps/demo/channels/room/members', { body: { members: [], nextCursor: null } })
    .on('GET', '/v1/apps/demo/clients', { body: { clients: [], nextCursor: null } })
    .on('GET', '/v1/apps/demo/channels/room/events', (c) => ({
      body: {
        events: c.query['order'] === 'asc' ? [event(2)] : [event(2), event(1)],
        epoch: 'E1',
        nextCursor: c.query['cursor'] ? null : 'h2',
      },
    }));
  over.api?.(api);
  renderDashboard('/apps/demo/channels/room', { token: ADMIN_OF_DEMO, api });
  return {
    api,
    socket: async () => await waitFor(() => sockets[0] ?? Promise.reject(new Error('no socket'))),
  };
}

describe('channel page', () => {
  it('subscribes with the signed-in token to the gateways of config.json and tails events, with pause', async () => {
    const { socket } = setup();
    const s = await socket();
    expect(s.url).toBe('http://gw.test');
    expect(s.options).toMatchObject({ auth: { token: ADMIN_OF_DEMO, appID: 'demo' } });
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'Live connection' }).textContent).toBe('Live'),
    );
    act(() => s.push('event', event(3)));
    const tail = await screen.findByRole('table', { name: 'Live events' });
    expect(within(tail).getByText('{"n":3}')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Pause' }));
    act(() => s.push('event', event(4)));
    expect(await screen.findByText('1 new while paused')).toBeTruthy();
    expect(within(tail).queryByText('{"n":4}')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(within(tail).getByText('{"n":4}')).toBeTruthy();
    // The tail keeps its subscription while another tab is open.
    await userEvent.click(screen.getByRole('tab', { name: 'History' }));
    act(() => s.push('event', event(5)));
    await userEvent.click(screen.getByRole('tab', { name: 'Live' }));
    const rows = within(tail).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0].textContent)).toEqual(['5', '4', '3']);
    expect(io).toHaveBeenCalledTimes(1);
  });

  it('shows live presence as members come online and go', async () => {
    const { socket } = setup();
    const s = await socket();
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'Live connection' }).textContent).toBe('Live'),
    );
    expect(screen.getByText(/Nobody is online/)).toBeTruthy();
    act(() =>
      s.push('initial_online_status', {
        channelID: 'room',
        clientStatus: { ops: { status: true, timestamp: 1 }, alice: { status: true, timestamp: 2 } },
      }),
    );
    const presence = await screen.findByRole('list', { name: 'Presence' });
    expect(within(presence).getAllByText('online')).toHaveLength(2);
    // The dashboard's own connection (the token's ClientID) is a subscriber too.
    const ops = within(presence).getByText('ops').closest('li') as HTMLElement;
    expect(within(ops).getByText('(this dashboard)')).toBeTruthy();
    act(() => s.push('online_status', { channelID: 'room', clientID: 'alice', status: false, timestamp: 3 }));
    const alice = within(presence).getByText('alice').closest('li') as HTMLElement;
    expect(within(alice).getByText('offline')).toBeTruthy();
  });

  it('publishes a test event, refusing a payload that is not JSON before asking the API', async () => {
    const { api } = setup({
      api: (a) =>
        a.on('POST', '/v1/apps/demo/channels/room/events', {
          status: 201,
          body: { id: 'e1', offset: 3, timestamp: 1_700_000_000_000 },
        }),
    });
    await userEvent.click(await screen.findByRole('tab', { name: 'Publish' }));
    const form = screen.getByRole('form', { name: 'Publish a test event' });
    const payload = within(form).getByRole('textbox', { name: /Payload/ });
    await userEvent.clear(payload);
    await userEvent.type(payload, 'hello');
    await userEvent.click(within(form).getByRole('button', { name: 'Publish' }));
    expect(await within(form).findByText(/must be JSON/)).toBeTruthy();
    expect(api.made('POST', '/v1/apps/demo/channels/room/events')).toHaveLength(0);
    await userEvent.clear(payload);
    await userEvent.type(payload, '"hello"');
    await userEvent.click(within(form).getByRole('button', { name: 'Publish' }));
    expect(await within(form).findByText('Published')).toBeTruthy();
    expect(api.made('POST', '/v1/apps/demo/channels/room/events')[0].body).toEqual({
      eventType: 'test',
      payload: 'hello',
    });
  });

  it('shows why a publish was refused, as the API says it', async () => {
    setup({
      channel: { isClosed: true },
      api: (a) =>
        a.on(
          'POST',
          '/v1/apps/demo/channels/room/events',
          apiError(400, 'channel_closed', 'channel room is closed'),
        ),
    });
    await userEvent.click(await screen.findByRole('tab', { name: 'Publish' }));
    const form = screen.getByRole('form', { name: 'Publish a test event' });
    expect(within(form).getByText(/This channel is closed/)).toBeTruthy();
    await userEvent.click(within(form).getByRole('button', { name: 'Publish' }));
    const message = await within(form).findByText(/channel room is closed/);
    expect(message.textContent).toBe('channel_closed channel room is closed');
  });

  it('browses history newest first, paged, and after an offset oldest first', async () => {
    const { api } = setup();
    await userEvent.click(await screen.findByRole('tab', { name: 'History' }));
    const history = await screen.findByRole('table', { name: 'History' });
    expect(within(history).getAllByRole('row').length).toBe(3);
    expect(api.made('GET', '/v1/apps/demo/channels/room/events')[0].query).toEqual({
      order: 'desc',
      limit: '50',
    });
    await userEvent.click(screen.getByRole('button', { name: 'Next page of events' }));
    await waitFor(() =>
      expect(api.made('GET', '/v1/apps/demo/channels/room/events').at(-1)?.query).toEqual({
        order: 'desc',
        limit: '50',
        cursor: 'h2',
      }),
    );
    const query = screen.getByRole('form', { name: 'History query' });
    await userEvent.click(within(query).getByRole('radio', { name: 'After offset' }));
    await userEvent.type(within(query).getByRole('textbox', { name: /After offset/ }), '1');
    await userEvent.click(within(query).getByRole('button', { name: 'Show events' }));
    await waitFor(() =>
      expect(api.made('GET', '/v1/apps/demo/channels/room/events').at(-1)?.query).toEqual({
        sinceOffset: '1',
        order: 'asc',
        limit: '50',
      }),
    );
  });

  it('explains that a channel that is not persistent has no history', async () => {
    setup({ channel: { persistent: false } });
    await userEvent.click(await screen.findByRole('tab', { name: 'History' }));
    expect(
      await screen.findByText(/not persistent: its events are delivered live and not stored/),
    ).toBeTruthy();
  });

  it('adds and removes members', async () => {
    const members = new Set<string>();
    const { api } = setup({
      api: (a) =>
        a
          .on('GET', '/v1/apps/demo/channels/room/members', () => ({
            body: { members: [...members].map((clientID) => ({ clientID, createdAt: 1 })), nextCursor: null },
          }))
          .on('PUT', '/v1/apps/demo/channels/room/members/:id', (_c, [id]) => {
            members.add(id);
            return { status: 201, body: { added: true } };
          })
          .on('DELETE', '/v1/apps/demo/channels/room/members/:id', (_c, [id]) => {
            members.delete(id);
            return { status: 204 };
          }),
    });
    await userEvent.click(await screen.findByRole('tab', { name: 'Members' }));
    expect(await screen.findByText(/No members yet/)).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Add a member' });
    await userEvent.type(within(form).getByRole('combobox', { name: 'Client ID' }), 'alice');
    await userEvent.click(within(form).getByRole('button', { name: 'Add member' }));
    const table = await screen.findByRole('table', { name: 'Members' });
    expect(within(table).getByText('alice')).toBeTruthy();
    await userEvent.click(within(table).getByRole('button', { name: 'Remove member alice' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Remove alice from room?' })).getByRole('button', {
        name: 'Remove member',
      }),
    );
    await waitFor(() =>
      expect(api.made('DELETE', '/v1/apps/demo/channels/room/members/alice')).toHaveLength(1),
    );
    expect(await screen.findByText(/No members yet/)).toBeTruthy();
  });
});
