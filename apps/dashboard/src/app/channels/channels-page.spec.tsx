import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { apiError, FakeApi } from '../../test/fake-api';
import { channel } from '../../test/channels';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

function api() {
  return new FakeApi()
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/channels', {
      body: {
        channels: [
          channel('news', { persistent: true, presence: true }),
          channel('lobby', { isClosed: true }),
        ],
        nextCursor: null,
      },
    })
    .on('GET', '/v1/apps/demo/channels/:id', (_c, [id]) => ({ body: channel(id) }))
    .on('POST', '/v1/apps/demo/channels/:id/close', (_c, [id]) => ({ body: channel(id, { isClosed: true }) }))
    .on('POST', '/v1/apps/demo/channels/:id/open', (_c, [id]) => ({ body: channel(id) }))
    .on('DELETE', '/v1/apps/demo/channels/:id', { status: 204 });
}

describe('channels page', () => {
  it('filters by settings and search through the API', async () => {
    const fake = api();
    renderDashboard('/apps/demo/channels', { token: ADMIN_OF_DEMO, api: fake });
    expect(await screen.findByRole('link', { name: 'news' })).toBeTruthy();
    const filters = screen.getByRole('group', { name: 'Filters' });
    await userEvent.click(within(filters).getByRole('radio', { name: 'Persistent' }));
    await userEvent.click(within(filters).getByRole('radio', { name: 'Open for publishing' }));
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search channels' }), 'ne');
    await waitFor(() =>
      expect(fake.made('GET', '/v1/apps/demo/channels').at(-1)?.query).toEqual({
        search: 'ne',
        persistent: 'true',
        closed: 'false',
        limit: '50',
      }),
    );
  });

  it('warns that deleting a persistent channel deletes its history, and not for others', async () => {
    const fake = api();
    renderDashboard('/apps/demo/channels', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete channel news' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete channel news?' });
    expect(within(dialog).getByText('This channel is persistent')).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete channel' }));
    await waitFor(() => expect(fake.made('DELETE', '/v1/apps/demo/channels/news')).toHaveLength(1));

    await userEvent.click(screen.getByRole('button', { name: 'Delete channel lobby' }));
    const other = await screen.findByRole('dialog', { name: 'Delete channel lobby?' });
    expect(within(other).queryByText('This channel is persistent')).toBeNull();
  });

  it('closes after confirming and reopens at once', async () => {
    const fake = api();
    renderDashboard('/apps/demo/channels', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Close channel news' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Close channel news?' })).getByRole('button', {
        name: 'Close channel',
      }),
    );
    await waitFor(() => expect(fake.made('POST', '/v1/apps/demo/channels/news/close')).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: 'Reopen channel lobby' }));
    await waitFor(() => expect(fake.made('POST', '/v1/apps/demo/channels/lobby/open')).toHaveLength(1));
  });

  it('creates a channel with its settings and opens its page', async () => {
    const fake = api().on('POST', '/v1/apps/demo/channels', (c) => ({
      status: 201,
      body: channel('room:1', c.body as Record<string, unknown>),
    }));
    const { router } = renderDashboard('/apps/demo/channels', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Create channel' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a channel' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Channel ID/ }), 'room:1');
    await userEvent.click(within(dialog).getByRole('switch', { name: /Private/ }));
    await userEvent.click(within(dialog).getByRole('switch', { name: /Presence/ }));
    await userEvent.click(within(dialog).getByRole('switch', { name: /Clients may publish/ }));
    await userEvent.click(within(dialog).getByRole('switch', { name: /Join and leave/ }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: /History size/ }), '1000');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /History TTL/ }), '86400');
    expect(within(dialog).getByText('Delete events older than 1 day.')).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create channel' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/apps/demo/channels/room%3A1'));
    expect(fake.made('POST', '/v1/apps/demo/channels')[0].body).toEqual({
      channelID: 'room:1',
      name: '',
      persistent: true,
      private: true,
      presence: true,
      clientPublish: false,
      joinLeave: false,
      historySize: 1000,
      historyTTLSeconds: 86400,
      extra: '',
      ackMode: null,
    });
  });

  it('shows a retention the API refuses under its field, as the API says it', async () => {
    const fake = api().on(
      'POST',
      '/v1/apps/demo/channels',
      apiError(400, 'bad_request', 'historyTTLSeconds: must be at most 315360000'),
    );
    renderDashboard('/apps/demo/channels', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Create channel' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a channel' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Channel ID/ }), 'old');
    const ttl = within(dialog).getByRole('textbox', { name: /History TTL/ });
    await userEvent.type(ttl, '999999999');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create channel' }));
    expect(await within(dialog).findByText('must be at most 315360000')).toBeTruthy();
    expect(ttl.getAttribute('aria-invalid')).toBe('true');
    // Shown under the field, not again in the form's alert.
    expect(within(dialog).queryByRole('alert')).toBeNull();
  });

  it('opens searched from ?search= (a namespace links its channels so) and badges auto-created ones', async () => {
    const fake = api().on('GET', '/v1/apps/demo/channels', {
      body: {
        channels: [channel('room:lobby', { autoCreated: true, clientPublish: false })],
        nextCursor: null,
      },
    });
    renderDashboard('/apps/demo/channels?search=room%3A', { token: ADMIN_OF_DEMO, api: fake });
    const row = (await screen.findByRole('link', { name: 'room:lobby' })).closest('tr') as HTMLElement;
    expect(within(row).getByText('auto-created')).toBeTruthy();
    expect(within(row).getByText('backend publishes only')).toBeTruthy();
    expect((screen.getByRole('searchbox', { name: 'Search channels' }) as HTMLInputElement).value).toBe(
      'room:',
    );
    expect(fake.made('GET', '/v1/apps/demo/channels')[0].query['search']).toBe('room:');
  });
});
