import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Hooks } from '../../api/schema.gen';
import { apiError, FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

/** admin-api with the app's hooks (`null`: none) and its namespaces. */
function api(initial: Hooks | null, namespaces: unknown[] = []) {
  let hooks = initial;
  return new FakeApi()
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/namespaces', { body: { namespaces } })
    .on('GET', '/v1/apps/demo/hooks', () => ({ body: { appID: 'demo', hooks } }))
    .on('PUT', '/v1/apps/demo/hooks', (c) => {
      hooks = c.body as Hooks;
      return { body: { appID: 'demo', hooks } };
    })
    .on('DELETE', '/v1/apps/demo/hooks', () => {
      hooks = null;
      return { status: 204 };
    });
}

const form = () => screen.findByRole('form', { name: 'App hooks' });

describe('hooks page', () => {
  it('sets the URLs, timeout and failure policy', async () => {
    const fake = api(null);
    renderDashboard('/apps/demo/hooks', { token: ADMIN_OF_DEMO, api: fake });
    const f = await form();
    expect(within(f).getByText(/No hooks: nothing is asked/)).toBeTruthy();
    expect(within(f).getByLabelText('Hooks set').textContent).toBe('none');
    await userEvent.type(
      within(f).getByRole('textbox', { name: /Connect URL/ }),
      'https://backend.example/connect',
    );
    await userEvent.type(
      within(f).getByRole('textbox', { name: /Publish URL/ }),
      'https://backend.example/publish',
    );
    await userEvent.type(within(f).getByRole('textbox', { name: /Timeout/ }), '500');
    await userEvent.click(within(f).getByRole('radio', { name: 'Allow the client' }));
    await userEvent.click(within(f).getByRole('button', { name: 'Save hooks' }));
    await waitFor(() => expect(fake.made('PUT', '/v1/apps/demo/hooks')).toHaveLength(1));
    expect(fake.made('PUT', '/v1/apps/demo/hooks')[0].body).toEqual({
      connect: { url: 'https://backend.example/connect' },
      publish: { url: 'https://backend.example/publish' },
      timeoutMs: 500,
      onFailure: 'allow',
    });
    await waitFor(async () =>
      expect(within(await form()).getByLabelText('Hooks set').textContent).toBe('connect, publish'),
    );
  });

  it('asks for a URL instead of saving hooks that ask nothing', async () => {
    const fake = api(null);
    renderDashboard('/apps/demo/hooks', { token: ADMIN_OF_DEMO, api: fake });
    await userEvent.click(within(await form()).getByRole('button', { name: 'Save hooks' }));
    expect((await screen.findByRole('alert', { name: 'No URL given' })).textContent).toContain(
      'Give at least one URL',
    );
    expect(fake.made('PUT', '/v1/apps/demo/hooks')).toHaveLength(0);
  });

  it('shows what the API refuses under the field it names', async () => {
    const fake = api({ subscribe: { url: 'https://backend.example/sub' } }).on(
      'PUT',
      '/v1/apps/demo/hooks',
      (c) =>
        (c.body as Hooks).timeoutMs
          ? apiError(400, 'bad_request', 'timeoutMs: must be at most 30000')
          : apiError(400, 'bad_request', 'subscribe.url: must be an http(s) URL'),
    );
    renderDashboard('/apps/demo/hooks', { token: ADMIN_OF_DEMO, api: fake });
    const f = await form();
    const sub = within(f).getByRole('textbox', { name: /Subscribe URL/ });
    expect((sub as HTMLInputElement).value).toBe('https://backend.example/sub');
    await userEvent.clear(sub);
    await userEvent.type(sub, 'backend/sub');
    await userEvent.click(within(f).getByRole('button', { name: 'Save hooks' }));
    expect(await within(f).findByText('must be an http(s) URL')).toBeTruthy();
    expect(sub.getAttribute('aria-invalid')).toBe('true');

    const timeout = within(f).getByRole('textbox', { name: /Timeout/ });
    await userEvent.type(timeout, '60000');
    await userEvent.click(within(f).getByRole('button', { name: 'Save hooks' }));
    expect(await within(f).findByText('must be at most 30000')).toBeTruthy();
    expect(timeout.getAttribute('aria-invalid')).toBe('true');
    expect(sub.getAttribute('aria-invalid')).not.toBe('true');
  });

  it('removes the hooks after confirming', async () => {
    const fake = api({
      connect: { url: 'https://backend.example/connect' },
      timeoutMs: 1000,
      onFailure: 'deny',
    });
    renderDashboard('/apps/demo/hooks', { token: ADMIN_OF_DEMO, api: fake });
    const f = await form();
    expect(within(f).getByLabelText('Hooks set').textContent).toBe('connect');
    expect((within(f).getByRole('textbox', { name: /Timeout/ }) as HTMLInputElement).value).toBe('1000');
    await userEvent.click(within(f).getByRole('button', { name: 'Remove hooks' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove the hooks?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove hooks' }));
    await waitFor(() => expect(fake.made('DELETE', '/v1/apps/demo/hooks')).toHaveLength(1));
    await waitFor(async () =>
      expect(within(await form()).getByLabelText('Hooks set').textContent).toBe('none'),
    );
    expect(
      (within(await form()).getByRole('textbox', { name: /Connect URL/ }) as HTMLInputElement).value,
    ).toBe('');
  });

  it("lists the namespaces whose channels ask their own hooks instead of the app's", async () => {
    const ns = (name: string, hooks: Hooks | null) => ({ appID: 'demo', name, hooks });
    renderDashboard('/apps/demo/hooks', {
      token: ADMIN_OF_DEMO,
      api: api(null, [
        ns('room', { publish: { url: 'https://backend.example/room-publish' } }),
        ns('doc', {}),
        ns('plain', null),
      ]),
    });
    const list = await screen.findByRole('list', { name: 'Namespaces with their own hooks' });
    const items = within(list)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toEqual([
      'room:… publish → https://backend.example/room-publish',
      'doc:… subscribe and publish ask nothing (the app’s hooks are off for them)',
    ]);
  });
});
