import {
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type FormEvent, useState } from 'react';
import type { WebhookSettings, WebhookType } from '../../api/schema.gen';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { useWebhookMutations } from './webhooks.queries';

/** Every webhook type, with when it is sent (docs/webhooks.md). */
export const WEBHOOK_TYPES: { type: WebhookType; description: string }[] = [
  { type: 'channel_occupied', description: 'A channel got its first subscriber, on any gateway.' },
  { type: 'channel_vacated', description: 'Its last subscriber is gone, on every gateway.' },
  { type: 'member_added', description: 'A client became a member of a channel.' },
  { type: 'member_removed', description: 'A client stopped being a member of a channel.' },
  {
    type: 'client_online',
    description: 'A client came online in a presence channel (after the grace period).',
  },
  {
    type: 'client_offline',
    description: 'A client went offline in a presence channel (after the grace period).',
  },
  {
    type: 'event_published',
    description: 'Every event published on a channel of the app — one webhook per event.',
  },
];

/** What a new setting sends: everything but one webhook per published event. */
const DEFAULT_TYPES: WebhookType[] = WEBHOOK_TYPES.map((t) => t.type).filter((t) => t !== 'event_published');

/** The app's webhook setting: URL and types; save (PUT) or turn off (DELETE). `settings` null: off. */
export function WebhookSettingsCard({
  appID,
  settings,
}: {
  appID: string;
  settings: WebhookSettings | null;
}) {
  const { save, turnOff } = useWebhookMutations(appID);
  const [url, setUrl] = useState(settings?.url ?? '');
  const [types, setTypes] = useState<string[]>(settings?.types ?? DEFAULT_TYPES);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      { url: url.trim(), types: WEBHOOK_TYPES.map((t) => t.type).filter((t) => types.includes(t)) },
      {
        onSuccess: () =>
          notifications.show({
            color: 'green',
            message: 'Webhooks saved: every replica sends them from now on',
          }),
      },
    );
  };
  const askTurnOff = () =>
    confirmDestructive({
      title: 'Turn webhooks off?',
      message:
        'Nothing more is sent. Webhooks still waiting to be sent are recorded as failed: you can retry them once webhooks are on again.',
      confirmLabel: 'Turn off',
      onConfirm: () =>
        turnOff.mutate(undefined, {
          onSuccess: () => notifications.show({ message: 'Webhooks turned off' }),
        }),
    });

  return (
    <Card withBorder>
      {/* noValidate: admin-api checks the URL and its message is shown under the field. */}
      <form onSubmit={submit} aria-label="Webhook settings" noValidate>
        <Stack>
          <Group justify="space-between">
            <Title order={2} size="h4">
              Settings
            </Title>
            <Badge
              color={settings ? 'green' : 'gray'}
              variant="light"
              role="status"
              aria-label="Webhooks are"
            >
              {settings ? 'on' : 'off'}
            </Badge>
          </Group>
          <TextInput
            type="url"
            label="Webhook URL"
            description="Where Channels POSTs each webhook (http or https). Answer any 2xx to acknowledge it; anything else is retried with backoff."
            placeholder="https://backend.example/channels-webhooks"
            required
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={fieldError(save.error, 'url')}
          />
          <Checkbox.Group
            label="Webhook types"
            description="What to send."
            value={types}
            onChange={setTypes}
            error={fieldError(save.error, 'types')}
          >
            <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs" spacing="sm">
              {WEBHOOK_TYPES.map((t) => (
                <Checkbox key={t.type} value={t.type} label={t.type} description={t.description} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Text size="xs" c="dimmed">
            Each request carries <Code>X-Channels-Signature: sha256=…</Code>, the HMAC-SHA256 of its raw body
            with the app’s API secret, and <Code>X-Channels-Webhook-Id</Code>, the same on every retry.
          </Text>
          <ApiErrorAlert error={save.error} title="Not saved" except={['url', 'types']} />
          <ApiErrorAlert error={turnOff.error} title="Not turned off" />
          <Group justify="flex-end">
            {settings ? (
              <Button variant="light" color="red" onClick={askTurnOff} loading={turnOff.isPending}>
                Turn webhooks off
              </Button>
            ) : null}
            <Button type="submit" loading={save.isPending}>
              {settings ? 'Save webhooks' : 'Turn webhooks on'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
