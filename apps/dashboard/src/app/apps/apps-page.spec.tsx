import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { apiError, FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard, SUPER_ADMIN } from '../../test/render';

const OTHER = { ...DEMO_APP, appID: 'shop', name: 'Shop' };

function api() {
  return new FakeApi()
    .on('GET', '/v1/apps', (c) =>
      c.query['cursor'] === 'p2'
        ? { body: { apps: [OTHER], nextCursor: null } }
        : { body: { apps: [DEMO_APP], nextCursor: 'p2' } },
    )
    .on('GET', '/v1/stats', {
      body: {
        connections: 7,
        subscriptions: 9,
        gateways: [],
        apps: [{ appID: 'demo', connections: 7, subscriptions: 9, activeChannels: 2 }],
      },
    })
    .on('DELETE', '/v1/apps/:id', { status: 204 });
}

describe('apps page', () => {
  it('lists apps with their live connections, paged with the API cursor', async () => {
    const fake = api();
    renderDashboard('/apps', { token: SUPER_ADMIN, api: fake });
    const table = await screen.findByRole('table', { name: 'Apps' });
    const row = within(table).getByRole('row', { name: /demo/ });
    await waitFor(() => expect(within(row).getByRole('cell', { name: '7' })).toBeTruthy());
    await userEvent.click(screen.getByRole('button', { name: 'Next page of apps' }));
    expect(await screen.findByRole('link', { name: 'shop' })).toBeTruthy();
    expect(fake.made('GET', '/v1/apps').at(-1)?.query).toEqual({ cursor: 'p2', limit: '50' });
    await userEvent.click(screen.getByRole('button', { name: 'Previous page of apps' }));
    expect(await screen.findByRole('link', { name: 'demo' })).toBeTruthy();
  });

  it('deletes an app only once the confirmation is accepted', async () => {
    const fake = api();
    renderDashboard('/apps', { token: SUPER_ADMIN, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete app demo' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete app demo?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.made('DELETE', '/v1/apps/demo')).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Delete app demo' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Delete app demo?' })).getByRole('button', {
        name: 'Delete app',
      }),
    );
    await waitFor(() => expect(fake.made('DELETE', '/v1/apps/demo')).toHaveLength(1));
  });

  it('creates an app, showing the API error under the field it names', async () => {
    const fake = api().on('POST', '/v1/apps', (c) =>
      (c.body as { appID: string }).appID === 'taken'
        ? apiError(409, 'conflict', 'app taken already exists')
        : apiError(400, 'bad_request', 'appID: must be 1-150 characters'),
    );
    renderDashboard('/apps', { token: SUPER_ADMIN, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Create app' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create an app' });
    const appID = within(dialog).getByRole('textbox', { name: /App ID/ });
    await userEvent.type(appID, 'x');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create app' }));
    expect(await within(dialog).findByText('must be 1-150 characters')).toBeTruthy();
    expect(appID.getAttribute('aria-invalid')).toBe('true');
    await userEvent.clear(appID);
    await userEvent.type(appID, 'taken');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create app' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('conflict');
    expect(alert.textContent).toContain('app taken already exists');
  });

  it('shows an admin its own app without create or delete', async () => {
    renderDashboard('/apps', { token: ADMIN_OF_DEMO, api: api() });
    expect(await screen.findByRole('link', { name: 'demo' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Rename app demo' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create app' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete app/ })).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Connections' })).toBeNull();
  });

  it('explains what to do when there is no app', async () => {
    renderDashboard('/apps', {
      token: SUPER_ADMIN,
      api: api().on('GET', '/v1/apps', { body: { apps: [], nextCursor: null } }),
    });
    expect(await screen.findByText('No apps yet')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Create app' })).toHaveLength(2);
  });
});
