import { Anchor, Loader, Stack } from '@mantine/core';
import { Link } from 'react-router';
import { useCurrentApp } from '../apps/current-app';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { PageHeader } from '../ui/page-header';
import { DeliveriesSection } from './deliveries-section';
import { WebhookSettingsCard } from './webhook-settings-card';
import { useWebhookSettings } from './webhooks.queries';

/** The app's webhooks: where they go and which, and the recent deliveries with retry. */
export function WebhooksPage() {
  const { appID } = useCurrentApp();
  const settings = useWebhookSettings(appID);
  return (
    <>
      <PageHeader
        title="Webhooks"
        description={
          <>
            Channels tells your backend what happens in the app — channels occupied and vacated, members added
            and removed, clients online and offline, events published — by POSTing to a URL. Failed attempts
            are retried with backoff for about an hour; what still fails is kept here to retry. To have your
            backend decide instead, use{' '}
            <Anchor component={Link} to={`/apps/${encodeURIComponent(appID)}/hooks`} size="sm">
              Hooks
            </Anchor>
            .
          </>
        }
      />
      <Stack maw={1100}>
        <ApiErrorAlert error={settings.error} title="The webhook setting cannot be read" />
        {settings.isPending ? (
          <Loader aria-label="Loading the webhook setting" />
        ) : settings.error ? null : (
          <WebhookSettingsCard appID={appID} settings={settings.data} />
        )}
        <DeliveriesSection appID={appID} webhooksOn={Boolean(settings.data)} />
      </Stack>
    </>
  );
}
