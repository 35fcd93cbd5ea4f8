import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { apiError, FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

/** A namespace as `/v1` answers it. */
const namespace = (name: string, over: Record<string, unknown> = {}) => ({
  appID: 'demo',
  name,
  persistent: false,
  private: false,
  presence: false,
  historySize: null,
  historyTTLSeconds: null,
  clientPublish: true,
  joinLeave: true,
  autoCreate: false,
  hooks: null,
  createdAt: 1_700_000_000_000,
  ...over,
});

/** admin-api's namespaces of app demo, kept in a map so that changes show on the next read. */
function api(initial: ReturnType<typeof namespace>[] = []) {
  const all = new Map(initial.map((n) => [n.name, n]));
  return new FakeApi()
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/namespaces', () => ({
      body: { namespaces: [...all.values()].sort((a, b) => a.name.localeCompare(b.name)) },
    }))
    .on('POST', '/v1/apps/demo/namespaces', (c) => {
      const { name, ...settings } = c.body as { name: string };
      if (all.has(name)) return apiError(409, 'conflict', `namespace ${name} already exists`);
      const n = namespace(name, settings);
      all.set(name, n);
      return { status: 201, body: n };
    })
    .on('PATCH', '/v1/apps/demo/namespaces/:name', (c, [name]) => {
      const n = { ...namespace(name), ...all.get(name), ...(c.body as object) };
      all.set(name, n);
      return { body: n };
    })
    .on('DELETE', '/v1/apps/demo/namespaces/:name', (_c, [name]) => {
      all.delete(name);
      return { status: 204 };
    });
}

describe('namespaces page', () => {
  it('explains namespaces when there are none, and creates one with auto-create and its settings', async () => {
    const fake = api();
    renderDashboard('/apps/demo/namespaces', { token: ADMIN_OF_DEMO, api: fake });
    expect(await screen.findByText('No namespaces yet')).toBeTruthy();
    expect(screen.getByText(/“room:lobby” exists as soon as a client subscribes to it/)).toBeTruthy();
    await userEvent.click(screen.getAllByRole('button', { name: 'Create namespace' })[0]);
    const dialog = await screen.findByRole('dialog', { name: 'Create a namespace' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'room');
    expect(within(dialog).getByRole('switch', { name: /Auto-create/ })).toHaveProperty('checked', true);
    await userEvent.click(within(dialog).getByRole('switch', { name: /Persistent/ }));
    await userEvent.click(within(dialog).getByRole('switch', { name: /Presence/ }));
    await userEvent.click(within(dialog).getByRole('switch', { name: /Clients may publish/ }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: /History size/ }), '500');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /History TTL/ }), '3600');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create namespace' }));

    const table = await screen.findByRole('table', { name: 'Namespaces' });
    const row = within(table).getByText('room').closest('tr') as HTMLElement;
    for (const badge of ['auto-create', 'persistent', 'presence', 'backend publishes only'])
      expect(within(row).getByText(badge)).toBeTruthy();
    expect(within(row).getByText('newest 500 events, up to 1 hour old')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'Channels of room' }).getAttribute('href')).toBe(
      '/apps/demo/channels?search=room%3A',
    );
    expect(fake.made('POST', '/v1/apps/demo/namespaces')[0].body).toEqual({
      name: 'room',
      autoCreate: true,
      persistent: true,
      private: false,
      presence: true,
      clientPublish: false,
      joinLeave: true,
      historySize: 500,
      historyTTLSeconds: 3600,
      hooks: null,
    });
  });

  it('shows a refused name under its field and a conflict as the API says it', async () => {
    const fake = api([namespace('room')]).on('POST', '/v1/apps/demo/namespaces', (c) =>
      (c.body as { name: string }).name === 'room'
        ? apiError(409, 'conflict', 'namespace room already exists')
        : apiError(400, 'bad_request', 'name: must be 1-50 characters of [A-Za-z0-9_-.@$]'),
    );
    renderDashboard('/apps/demo/namespaces', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Create namespace' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a namespace' });
    const name = within(dialog).getByRole('textbox', { name: /Name/ });
    await userEvent.type(name, 'a:b');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create namespace' }));
    expect(await within(dialog).findByText('must be 1-50 characters of [A-Za-z0-9_-.@$]')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');

    await userEvent.clear(name);
    await userEvent.type(name, 'room');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create namespace' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('conflict');
    expect(alert.textContent).toContain('namespace room already exists');
  });

  it('edits settings and own hooks, saying that its channels follow at once', async () => {
    const fake = api([namespace('room', { autoCreate: true })]);
    renderDashboard('/apps/demo/namespaces', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit namespace room' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit namespace room' });
    expect(within(dialog).getByText('Its channels follow at once')).toBeTruthy();
    expect(within(dialog).getByRole('textbox', { name: /Name/ })).toHaveProperty('disabled', true);
    await userEvent.click(within(dialog).getByRole('switch', { name: /Private/ }));
    await userEvent.click(within(dialog).getByRole('radio', { name: 'Its own hooks' }));
    expect(within(dialog).queryByRole('textbox', { name: /Connect URL/ })).toBeNull();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Subscribe URL/ }),
      'https://backend.example/sub',
    );
    await userEvent.click(within(dialog).getByRole('radio', { name: 'Allow the client' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fake.made('PATCH', '/v1/apps/demo/namespaces/room')).toHaveLength(1));
    expect(fake.made('PATCH', '/v1/apps/demo/namespaces/room')[0].body).toEqual({
      autoCreate: true,
      persistent: false,
      private: true,
      presence: false,
      clientPublish: true,
      joinLeave: true,
      historySize: null,
      historyTTLSeconds: null,
      hooks: { subscribe: { url: 'https://backend.example/sub' }, onFailure: 'allow' },
    });
    const row = (await screen.findByText('own: subscribe')).closest('tr') as HTMLElement;
    expect(within(row).getByText('private')).toBeTruthy();
  });

  it("shows a refused hook URL under the namespace's hook field", async () => {
    const fake = api([namespace('room')]).on(
      'PATCH',
      '/v1/apps/demo/namespaces/:name',
      apiError(400, 'bad_request', 'hooks.publish.url: must be an http(s) URL'),
    );
    renderDashboard('/apps/demo/namespaces', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit namespace room' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit namespace room' });
    await userEvent.click(within(dialog).getByRole('radio', { name: 'Its own hooks' }));
    const publish = within(dialog).getByRole('textbox', { name: /Publish URL/ });
    await userEvent.type(publish, 'ftp://x');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('must be an http(s) URL')).toBeTruthy();
    expect(publish.getAttribute('aria-invalid')).toBe('true');
  });

  it('deletes after confirming that its channels stay', async () => {
    const fake = api([namespace('room', { autoCreate: true }), namespace('doc')]);
    renderDashboard('/apps/demo/namespaces', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete namespace room' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete namespace room?' });
    expect(within(dialog).getByText(/Its channels stay as they are/)).toBeTruthy();
    expect(within(dialog).getByText(/No new channel/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(fake.made('DELETE', '/v1/apps/demo/namespaces/room')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Delete namespace room' }));
    await userEvent.click(
      within(await screen.findByRole('dialog', { name: 'Delete namespace room?' })).getByRole('button', {
        name: 'Delete namespace',
      }),
    );
    await waitFor(() => expect(fake.made('DELETE', '/v1/apps/demo/namespaces/room')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Delete namespace room' })).toBeNull());
    expect(screen.getByRole('button', { name: 'Delete namespace doc' })).toBeTruthy();
  });

  it('pages and searches a long list in the browser', async () => {
    const many = Array.from({ length: 30 }, (_, i) => namespace(`ns${String(i).padStart(2, '0')}`));
    renderDashboard('/apps/demo/namespaces', { token: ADMIN_OF_DEMO, api: api(many) });
    const table = await screen.findByRole('table', { name: 'Namespaces' });
    expect(within(table).getAllByRole('row')).toHaveLength(26);
    expect(screen.getByText('30 namespaces · page 1 of 2')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Next page of namespaces' }));
    expect(within(table).getAllByRole('row')).toHaveLength(6);
    expect(within(table).getByText('ns29')).toBeTruthy();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search namespaces' }), 'ns1');
    expect(within(table).getAllByRole('row')).toHaveLength(11);
    expect(screen.getByText('10 namespaces')).toBeTruthy();
  });
});
