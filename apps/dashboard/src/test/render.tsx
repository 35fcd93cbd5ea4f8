import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { createQueryClient, Providers } from '../app/providers';
import { routes } from '../app/routes';
import { FakeApi } from './fake-api';

/** An unsigned token with these claims (the dashboard reads claims; admin-api verifies). */
export function tokenWith(claims: Record<string, unknown>): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

export const SUPER_ADMIN = tokenWith({ Role: 'Super_Admin', ClientID: 'root' });
export const ADMIN_OF_DEMO = tokenWith({ Role: 'Admin', ClientID: 'ops', AppID: 'demo' });

/** The dashboard at `path`, signed in with `token` (none: signed out), over `api`. */
export function renderDashboard(path: string, opts: { token?: string; api: FakeApi }) {
  if (opts.token) sessionStorage.setItem('channels.dashboard.token', opts.token);
  opts.api.install();
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const queryClient = createQueryClient();
  const view = render(
    <Providers queryClient={queryClient} env="test">
      <RouterProvider router={router} />
    </Providers>,
  );
  return { ...view, router };
}

export const DEMO_APP = {
  appID: 'demo',
  name: 'Demo app',
  ackMode: 'queued',
  createdAt: 1_700_000_000_000,
  apiSecret: 's3cr3t-value',
};
