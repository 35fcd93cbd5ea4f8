import {
  ActionIcon,
  Button,
  Card,
  Code,
  CopyButton,
  DataList,
  Group,
  PasswordInput,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { AppFormModal } from '../apps/app-form-modal';
import { useDeleteApp, useRotateApiSecret } from '../apps/apps.queries';
import { useCurrentApp } from '../apps/current-app';
import { useSession } from '../session/session';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { formatTime } from '../ui/format';
import { PageHeader } from '../ui/page-header';

/** The app's name and ack mode, its API secret (reveal, copy, rotate), and deleting it. */
export function SettingsPage() {
  const app = useCurrentApp();
  const session = useSession();
  const navigate = useNavigate();
  const rotate = useRotateApiSecret(app.appID);
  const remove = useDeleteApp();
  const [editing, setEditing] = useState(false);

  const askRotate = () =>
    confirmDestructive({
      title: 'Rotate the API secret?',
      message:
        'A new secret is generated and the current one is refused at once, on every replica: backends signing server API requests with it fail until they use the new one.',
      confirmLabel: 'Rotate secret',
      onConfirm: () =>
        rotate.mutate(undefined, {
          onSuccess: () => notifications.show({ color: 'green', message: 'API secret rotated' }),
        }),
    });
  const askDelete = () =>
    confirmDestructive({
      title: `Delete app ${app.appID}?`,
      message:
        'Every client, channel, membership and stored event of the app is deleted and its connections are closed. This cannot be undone.',
      confirmLabel: 'Delete app',
      onConfirm: () =>
        remove.mutate(app.appID, {
          onSuccess: () => {
            notifications.show({ color: 'green', message: `App ${app.appID} deleted` });
            void navigate('/apps');
          },
        }),
    });

  return (
    <>
      <PageHeader title="Settings & API secret" description={`App ${app.appID}`} />
      <Stack maw={760}>
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={2} size="h4">
              App
            </Title>
            <Button variant="default" size="xs" onClick={() => setEditing(true)}>
              Rename or change ack mode
            </Button>
          </Group>
          <DataList>
            <DataList.Item>
              <DataList.ItemLabel>App ID</DataList.ItemLabel>
              <DataList.ItemValue>
                <Code>{app.appID}</Code>
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Name</DataList.ItemLabel>
              <DataList.ItemValue>{app.name || '—'}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Ack mode</DataList.ItemLabel>
              <DataList.ItemValue>{app.ackMode}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Created</DataList.ItemLabel>
              <DataList.ItemValue>{formatTime(app.createdAt)}</DataList.ItemValue>
            </DataList.Item>
          </DataList>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            API secret
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Backends sign their server API requests (<Code>POST /apps/{app.appID}/api/</Code>, what gocent
            calls) with this secret: hex HMAC-SHA256 of the body in <Code>X-API-Sign</Code>. Keep it on the
            server side only.
          </Text>
          <Group align="flex-end" wrap="nowrap">
            <PasswordInput
              label="API secret"
              value={app.apiSecret}
              readOnly
              flex={1}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              visibilityToggleButtonProps={{ 'aria-label': 'Reveal or hide the API secret' }}
            />
            <CopyButton value={app.apiSecret}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
                  <ActionIcon
                    variant="default"
                    size="lg"
                    onClick={copy}
                    aria-label={copied ? 'API secret copied' : 'Copy the API secret'}
                  >
                    {copied ? '✓' : '⧉'}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
            <Button color="orange" variant="light" onClick={askRotate} loading={rotate.isPending}>
              Rotate
            </Button>
          </Group>
          <ApiErrorAlert error={rotate.error} title="The secret was not rotated" />
        </Card>
        {session.isSuperAdmin ? (
          <Card withBorder style={{ borderColor: 'var(--mantine-color-red-4)' }}>
            <Title order={2} size="h4" mb="xs">
              Delete this app
            </Title>
            <Text size="sm" mb="sm">
              Deletes the app with every client, channel, membership and stored event, and closes its
              connections.
            </Text>
            <Button color="red" onClick={askDelete} loading={remove.isPending}>
              Delete app
            </Button>
            <ApiErrorAlert error={remove.error} title="The app was not deleted" />
          </Card>
        ) : null}
      </Stack>
      <AppFormModal
        opened={editing}
        onClose={() => setEditing(false)}
        app={app}
        onSaved={() => notifications.show({ color: 'green', message: 'App saved' })}
      />
    </>
  );
}
