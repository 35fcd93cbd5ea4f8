import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { WebhookDelivery, WebhookSettings } from '../../api/schema.gen';
import { apiError, FakeApi } from '../../test/fake-api';
import { ADMIN_OF_DEMO, DEMO_APP, renderDashboard } from '../../test/render';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A delivery as `/v1` answers it. */
const delivery = (n: number, over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id: ID(n),
  appID: 'demo',
  type: 'member_added',
  channelID: 'room',
  clientID: `c${n}`,
  sequence: n,
  body: JSON.stringify({
    id: ID(n),
    type: 'member_added',
    channelID: 'room',
    clientID: `c${n}`,
    sequence: n,
  }),
  status: 'delivered',
  attempts: [{ at: 1_700_000_000_000, statusCode: 204, durationMs: 3 }],
  createdAt: 1_700_000_000_000 + n,
  updatedAt: 1_700_000_000_000 + n,
  ...over,
});

/** admin-api's webhook setting (`null`: off) and deliveries of app demo. */
function api(initial: WebhookSettings | null, deliveries: WebhookDelivery[] = []) {
  let settings = initial;
  return new FakeApi()
    .on('GET', '/v1/apps/demo', { body: DEMO_APP })
    .on('GET', '/v1/apps/demo/webhooks', () =>
      settings ? { body: settings } : apiError(404, 'not_found', 'webhook setting of app demo not found'),
    )
    .on('PUT', '/v1/apps/demo/webhooks', (c) => {
      settings = c.body as WebhookSettings;
      return { body: settings };
    })
    .on('DELETE', '/v1/apps/demo/webhooks', () => {
      settings = null;
      return { status: 204 };
    })
    .on('GET', '/v1/apps/demo/webhooks/deliveries', (c) => {
      const limit = Number(c.query['limit']);
      const matching = deliveries.filter((d) => !c.query['status'] || d.status === c.query['status']);
      const from = c.query['cursor'] ? Number(c.query['cursor']) : 0;
      const page = matching.slice(from, from + limit);
      return {
        body: { deliveries: page, nextCursor: from + limit < matching.length ? String(from + limit) : null },
      };
    });
}

const settingsForm = () => screen.findByRole('form', { name: 'Webhook settings' });

describe('webhooks page', () => {
  it('turns webhooks on with a URL and the types checked', async () => {
    const fake = api(null);
    renderDashboard('/apps/demo/webhooks', { token: ADMIN_OF_DEMO, api: fake });
    const f = await settingsForm();
    expect(within(f).getByLabelText('Webhooks are').textContent).toBe('off');
    expect(await screen.findByText(/Webhooks are off\. Set a URL and the types above/)).toBeTruthy();
    // Everything but one webhook per published event, to begin with.
    expect(within(f).getByRole('checkbox', { name: /member_added/ })).toHaveProperty('checked', true);
    expect(within(f).getByRole('checkbox', { name: /event_published/ })).toHaveProperty('checked', false);
    await userEvent.type(
      within(f).getByRole('textbox', { name: /Webhook URL/ }),
      'https://backend.example/wh',
    );
    for (const t of ['channel_occupied', 'channel_vacated', 'client_online', 'client_offline'])
      await userEvent.click(within(f).getByRole('checkbox', { name: new RegExp(t) }));
    await userEvent.click(within(f).getByRole('checkbox', { name: /event_published/ }));
    await userEvent.click(within(f).getByRole('button', { name: 'Turn webhooks on' }));
    await waitFor(() => expect(fake.made('PUT', '/v1/apps/demo/webhooks')).toHaveLength(1));
    expect(fake.made('PUT', '/v1/apps/demo/webhooks')[0].body).toEqual({
      url: 'https://backend.example/wh',
      types: ['member_added', 'member_removed', 'event_published'],
    });
    await waitFor(() => expect(within(f).getByLabelText('Webhooks are').textContent).toBe('on'));
    expect(within(f).getByRole('button', { name: 'Save webhooks' })).toBeTruthy();
  });

  it('shows what the API refuses under the field it names', async () => {
    const fake = api(null).on('PUT', '/v1/apps/demo/webhooks', (c) =>
      (c.body as WebhookSettings).types.length === 0
        ? apiError(400, 'bad_request', 'types: must not be empty')
        : apiError(400, 'bad_request', 'url: must be an http or https URL'),
    );
    renderDashboard('/apps/demo/webhooks', { token: ADMIN_OF_DEMO, api: fake });
    const f = await settingsForm();
    const url = within(f).getByRole('textbox', { name: /Webhook URL/ });
    await userEvent.type(url, 'mailto:ops@example.com');
    await userEvent.click(within(f).getByRole('button', { name: 'Turn webhooks on' }));
    expect(await within(f).findByText('must be an http or https URL')).toBeTruthy();
    expect(url.getAttribute('aria-invalid')).toBe('true');
    for (const box of within(f).getAllByRole('checkbox'))
      if ((box as HTMLInputElement).checked) await userEvent.click(box);
    await userEvent.click(within(f).getByRole('button', { name: 'Turn webhooks on' }));
    expect(await within(f).findByText('must not be empty')).toBeTruthy();
  });

  it('turns webhooks off after confirming', async () => {
    const fake = api({ url: 'https://backend.example/wh', types: ['member_added'] });
    renderDashboard('/apps/demo/webhooks', { token: ADMIN_OF_DEMO, api: fake });
    const f = await settingsForm();
    expect((within(f).getByRole('textbox', { name: /Webhook URL/ }) as HTMLInputElement).value).toBe(
      'https://backend.example/wh',
    );
    expect(within(f).getByRole('checkbox', { name: /member_removed/ })).toHaveProperty('checked', false);
    await userEvent.click(within(f).getByRole('button', { name: 'Turn webhooks off' }));
    const dialog = await screen.findByRole('dialog', { name: 'Turn webhooks off?' });
    expect(within(dialog).getByText(/recorded as failed: you can retry them/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    await waitFor(() => expect(fake.made('DELETE', '/v1/apps/demo/webhooks')).toHaveLength(1));
    await waitFor(() => expect(within(f).getByLabelText('Webhooks are').textContent).toBe('off'));
  });

  it('lists deliveries newest first with their attempts, filtered by status and paged', async () => {
    const all = Array.from({ length: 30 }, (_, i) => delivery(30 - i));
    all[1] = delivery(29, {
      status: 'failed',
      attempts: [
        { at: 1_700_000_000_000, error: 'answered HTTP 500', statusCode: 500, durationMs: 12 },
        { at: 1_700_000_001_000, error: 'connect ECONNREFUSED 127.0.0.1:9', durationMs: 1 },
      ],
    });
    const fake = api({ url: 'https://backend.example/wh', types: ['member_added'] }, all);
    renderDashboard('/apps/demo/webhooks', { token: ADMIN_OF_DEMO, api: fake });
    const table = await screen.findByRole('table', { name: 'Deliveries' });
    expect(within(table).getAllByRole('row')).toHaveLength(26);
    const failed = within(table).getByText('c29').closest('tr') as HTMLElement;
    expect(within(failed).getByText('failed')).toBeTruthy();
    expect(within(failed).getByText('2 attempts')).toBeTruthy();
    expect(within(failed).getByText('last: connect ECONNREFUSED 127.0.0.1:9 · 1 ms')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Next page of deliveries' }));
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(6));
    expect(fake.made('GET', '/v1/apps/demo/webhooks/deliveries').at(-1)?.query).toEqual({
      cursor: '25',
      limit: '25',
    });

    await userEvent.click(screen.getByRole('radio', { name: 'Failed' }));
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(2));
    expect(fake.made('GET', '/v1/apps/demo/webhooks/deliveries').at(-1)?.query).toEqual({
      status: 'failed',
      limit: '25',
    });

    await userEvent.click(screen.getByRole('button', { name: `Details of delivery ${ID(29)}` }));
    const drawer = await screen.findByRole('dialog', { name: 'Delivery member_added #29' });
    const attempts = within(drawer).getByRole('table', { name: 'Attempts' });
    expect(
      within(attempts)
        .getAllByRole('row')
        .map((r) => r.textContent),
    ).toEqual([
      '#StartedAnswerErrorDuration',
      expect.stringMatching(/^1.*HTTP 500answered HTTP 50012 ms$/),
      expect.stringMatching(/^2.*—connect ECONNREFUSED 127\.0\.0\.1:91 ms$/),
    ]);
    expect(within(drawer).getByLabelText('Body sent').textContent).toContain('"clientID": "c29"');
  });

  it('explains an empty filter', async () => {
    renderDashboard('/apps/demo/webhooks', {
      token: ADMIN_OF_DEMO,
      api: api({ url: 'https://backend.example/wh', types: ['member_added'] }, [delivery(1)]),
    });
    await screen.findByRole('table', { name: 'Deliveries' });
    await userEvent.click(screen.getByRole('radio', { name: 'Failed' }));
    expect(await screen.findByText('No failed deliveries')).toBeTruthy();
    expect(screen.getByText(/Nothing failed for good/)).toBeTruthy();
  });

  it('retries a failed delivery, and says what a 409 means when it was no longer failed', async () => {
    let status: WebhookDelivery['status'] = 'failed';
    const fake = api({ url: 'https://backend.example/wh', types: ['member_added'] })
      .on('GET', '/v1/apps/demo/webhooks/deliveries', () => ({
        body: {
          deliveries: [
            delivery(2, {
              status,
              attempts: [{ at: 1, statusCode: 500, error: 'answered HTTP 500', durationMs: 4 }],
            }),
            delivery(1),
          ],
          nextCursor: null,
        },
      }))
      .on('POST', '/v1/apps/demo/webhooks/deliveries/:id/retry', (_c, [id]) => {
        if (status !== 'failed')
          return apiError(
            409,
            'conflict',
            `webhook delivery ${id} is ${status}; only failed deliveries can be retried`,
          );
        status = 'pending';
        return { status: 202, body: delivery(2, { status }) };
      });
    renderDashboard('/apps/demo/webhooks', { token: ADMIN_OF_DEMO, api: fake });
    const table = await screen.findByRole('table', { name: 'Deliveries' });
    // Only failed deliveries offer a retry.
    expect(within(table).getAllByRole('button', { name: /^Retry delivery/ })).toHaveLength(1);
    const retry = within(table).getByRole('button', { name: `Retry delivery ${ID(2)}` });
    await userEvent.click(retry);
    await waitFor(() =>
      expect(fake.made('POST', `/v1/apps/demo/webhooks/deliveries/${ID(2)}/retry`)).toHaveLength(1),
    );
    await waitFor(() => expect(within(table).queryByRole('button', { name: /^Retry delivery/ })).toBeNull());
    expect(
      within(within(table).getByText('c2').closest('tr') as HTMLElement).getByText('pending'),
    ).toBeTruthy();

    // A list out of date: someone else retried it meanwhile.
    status = 'failed';
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    const again = await within(table).findByRole('button', { name: `Retry delivery ${ID(2)}` });
    status = 'delivered';
    await userEvent.click(again);
    const alert = await screen.findByRole('alert', { name: 'Not retried' });
    expect(alert.textContent).toContain('conflict');
    expect(alert.textContent).toContain(
      `webhook delivery ${ID(2)} is delivered; only failed deliveries can be retried`,
    );
    expect(alert.textContent).toContain(
      'Only failed deliveries can be retried. A pending one is still being sent',
    );
    await waitFor(() => expect(within(table).queryByRole('button', { name: /^Retry delivery/ })).toBeNull());
  });
});
