import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { apiError, FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

const client = (clientID: string, extra = '') => ({
  appID: 'demo',
  clientID,
  username: clientID.toUpperCase(),
  extra,
  createdAt: 1_700_000_000_000,
});

function api() {
  return new FakeApi()
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/clients', (c) => ({
      body: {
        clients: [client('alice', '{"plan":"pro"}'), client('bob')].filter((x) =>
          x.clientID.includes(c.query['search'] ?? ''),
        ),
        nextCursor: null,
      },
    }))
    .on('GET', '/v1/apps/demo/clients/:id/channels', { body: { channels: ['general', 'room:1'] } })
    .on('PATCH', '/v1/apps/demo/clients/:id', (c, [id]) => ({
      body: { ...client(id), ...(c.body as object) },
    }))
    .on('POST', '/v1/apps/demo/clients/:id/disconnect', { body: { ok: true } })
    .on('DELETE', '/v1/apps/demo/clients/:id', { status: 204 });
}

describe('clients page', () => {
  it('searches clients by id or username through the API', async () => {
    const fake = api();
    renderDashboard('/apps/demo/clients', { token: ADMIN_OF_DEMO, api: fake });
    expect(await screen.findByRole('cell', { name: 'bob' })).toBeTruthy();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search clients' }), 'ali');
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'bob' })).toBeNull());
    expect(screen.getByRole('cell', { name: 'alice' })).toBeTruthy();
    expect(fake.made('GET', '/v1/apps/demo/clients').at(-1)?.query).toEqual({ search: 'ali', limit: '50' });
  });

  it('says how to find a client when the search matches nothing', async () => {
    renderDashboard('/apps/demo/clients', { token: ADMIN_OF_DEMO, api: api() });
    await userEvent.type(await screen.findByRole('searchbox', { name: 'Search clients' }), 'zed');
    expect(await screen.findByText('No client matches “zed”')).toBeTruthy();
  });

  it('creates a client, and shows a refused id under its field', async () => {
    const fake = api().on('POST', '/v1/apps/demo/clients', (c) =>
      (c.body as { clientID: string }).clientID.length > 5
        ? apiError(400, 'bad_request', 'clientID: must be at most 100 characters')
        : { status: 201, body: client('carol') },
    );
    renderDashboard('/apps/demo/clients', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Create client' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a client' });
    const id = within(dialog).getByRole('textbox', { name: /Client ID/ });
    await userEvent.type(id, 'much-too-long');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create client' }));
    expect(await within(dialog).findByText('must be at most 100 characters')).toBeTruthy();
    await userEvent.clear(id);
    await userEvent.type(id, 'carol');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Username' }), 'Carol');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create client' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Create a client' })).toBeNull());
    expect(fake.made('POST', '/v1/apps/demo/clients').at(-1)?.body).toEqual({
      clientID: 'carol',
      username: 'Carol',
      extra: '',
    });
  });

  it("edits a client's extra", async () => {
    const fake = api();
    renderDashboard('/apps/demo/clients', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit client alice' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit client alice' });
    const extra = within(dialog).getByRole('textbox', { name: /Extra/ });
    expect((extra as HTMLTextAreaElement).value).toBe('{"plan":"pro"}');
    await userEvent.clear(extra);
    await userEvent.type(extra, '{{"plan":"team"}');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(fake.made('PATCH', '/v1/apps/demo/clients/alice').at(-1)?.body).toEqual({
        username: 'ALICE',
        extra: '{"plan":"team"}',
      }),
    );
  });

  it('disconnects and deletes after confirming, and lists the channels of a client', async () => {
    const fake = api();
    renderDashboard('/apps/demo/clients', { token: ADMIN_OF_DEMO, api: fake });
    const more = await screen.findByRole('button', { name: 'More actions for client bob' });
    await userEvent.click(more);
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Disconnect' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Disconnect client bob?' })).getByRole('button', {
        name: 'Disconnect',
      }),
    );
    await waitFor(() => expect(fake.made('POST', '/v1/apps/demo/clients/bob/disconnect')).toHaveLength(1));

    await userEvent.click(screen.getByRole('button', { name: 'More actions for client bob' }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Delete' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Delete client bob?' })).getByRole('button', {
        name: 'Delete client',
      }),
    );
    await waitFor(() => expect(fake.made('DELETE', '/v1/apps/demo/clients/bob')).toHaveLength(1));

    await userEvent.click(screen.getByRole('button', { name: 'More actions for client alice' }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Channels' }));
    const list = await screen.findByRole('list', { name: 'Channels of alice' });
    expect(within(list).getByRole('link', { name: 'room:1' }).getAttribute('href')).toBe(
      '/apps/demo/channels/room%3A1',
    );
  });
});
