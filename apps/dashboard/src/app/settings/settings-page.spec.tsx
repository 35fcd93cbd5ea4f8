import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard, SUPER_ADMIN } from '../../test/render';

function api() {
  let secret = DEMO_APP.apiSecret;
  return new FakeApi()
    .on('GET', '/v1/apps/demo', () => ({ body: { ...DEMO_APP, apiSecret: secret } }))
    .on('POST', '/v1/apps/demo/api-secret', () => {
      secret = 'rotated-secret';
      return { body: { apiSecret: secret } };
    });
}

describe('settings page', () => {
  it('hides the API secret until revealed, and rotates it after confirming', async () => {
    const fake = api();
    renderDashboard('/apps/demo/settings', { token: ADMIN_OF_DEMO, api: fake });
    const secret = (await screen.findByLabelText('API secret')) as HTMLInputElement;
    expect(secret.type).toBe('password');
    expect(secret.value).toBe('s3cr3t-value');
    await userEvent.click(screen.getByRole('button', { name: 'Reveal or hide the API secret' }));
    expect(secret.type).toBe('text');
    expect(screen.getByRole('button', { name: 'Copy the API secret' })).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Rotate' }));
    const dialog = await screen.findByRole('dialog', { name: 'Rotate the API secret?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Rotate secret' }));
    await waitFor(() =>
      expect((screen.getByLabelText('API secret') as HTMLInputElement).value).toBe('rotated-secret'),
    );
    expect(fake.made('POST', '/v1/apps/demo/api-secret')).toHaveLength(1);
  });

  it('offers deleting the app to a super admin only', async () => {
    renderDashboard('/apps/demo/settings', { token: ADMIN_OF_DEMO, api: api() });
    await screen.findByLabelText('API secret');
    expect(screen.queryByRole('button', { name: 'Delete app' })).toBeNull();
  });

  it('lets a super admin delete the app after confirming', async () => {
    const fake = api()
      .on('DELETE', '/v1/apps/demo', { status: 204 })
      .on('GET', '/v1/apps', { body: { apps: [], nextCursor: null } })
      .on('GET', '/v1/stats', { body: { connections: 0, subscriptions: 0, gateways: [], apps: [] } });
    const { router } = renderDashboard('/apps/demo/settings', { token: SUPER_ADMIN, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete app' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Delete app demo?' })).getByRole('button', {
        name: 'Delete app',
      }),
    );
    await waitFor(() => expect(router.state.location.pathname).toBe('/apps'));
    expect(fake.made('DELETE', '/v1/apps/demo')).toHaveLength(1);
  });

  it("refuses an admin another app's pages", async () => {
    renderDashboard('/apps/shop/settings', { token: ADMIN_OF_DEMO, api: api() });
    expect(await screen.findByText('Not your app')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to your app' }).getAttribute('href')).toBe('/apps/demo');
  });
});
