import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { apiError, FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard, SUPER_ADMIN, tokenWith } from '../../test/render';

const appsApi = () =>
  new FakeApi()
    .on('GET', '/v1/apps', { body: { apps: [DEMO_APP], nextCursor: null } })
    .on('GET', '/v1/stats', { body: { connections: 0, subscriptions: 0, gateways: [], apps: [] } })
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/stats', {
      body: { appID: 'demo', connections: 0, subscriptions: 0, activeChannels: 0, gateways: [] },
    })
    .on('GET', '/v1/apps/demo/active-channels', { body: { channels: [], nextCursor: null } });

describe('signing in', () => {
  it('sends a visitor to the sign-in page and a super admin, once signed in, to every app', async () => {
    const api = appsApi();
    renderDashboard('/apps', { api });
    const token = await screen.findByLabelText(/^Token/);
    await userEvent.type(token, SUPER_ADMIN);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Apps', level: 1 })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create app' })).toBeTruthy();
    expect(api.calls[0].authorization).toBe(`Bearer ${SUPER_ADMIN}`);
    expect(sessionStorage.getItem('channels.dashboard.token')).toBe(SUPER_ADMIN);
    expect(localStorage.length).toBe(0);
  });

  it('takes an admin to its own app', async () => {
    renderDashboard('/sign-in', { api: appsApi() });
    await userEvent.type(await screen.findByLabelText(/^Token/), ADMIN_OF_DEMO);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Demo app (demo)', level: 1 })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'All apps' })).toBeNull();
  });

  it('refuses a client token before asking the API, and shows what the API says of a bad one', async () => {
    const api = new FakeApi().on('GET', '/v1/apps', apiError(401, 'unauthorized', 'invalid token'));
    renderDashboard('/sign-in', { api });
    const field = await screen.findByLabelText(/^Token/);
    await userEvent.type(field, tokenWith({ Role: 'Client', ClientID: 'alice', AppID: 'demo' }));
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/This is a client token/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
    await userEvent.clear(field);
    await userEvent.type(field, SUPER_ADMIN);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(
      await screen.findByText(/admin-api refused this token: unauthorized — invalid token/),
    ).toBeTruthy();
    await waitFor(() => expect(sessionStorage.getItem('channels.dashboard.token')).toBeNull());
  });

  it('ends the session when the API refuses the token later, and says so', async () => {
    const api = appsApi().on('GET', '/v1/apps/demo/clients', apiError(401, 'unauthorized', 'token revoked'));
    renderDashboard('/apps/demo/clients', { token: ADMIN_OF_DEMO, api });
    expect(await screen.findByText(/The token was refused/)).toBeTruthy();
    expect(screen.getByLabelText(/^Token/)).toBeTruthy();
    expect(sessionStorage.getItem('channels.dashboard.token')).toBeNull();
  });
});
