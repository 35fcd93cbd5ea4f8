import { Anchor, Button, EmptyState, Group, Loader, Table, Text, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { App } from '../../api/schema.gen';
import { useSession } from '../session/session';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { formatTime } from '../ui/format';
import { PageHeader } from '../ui/page-header';
import { Pager, useCursorPages } from '../ui/pager';
import { AppFormModal } from './app-form-modal';
import { useAppsPage, useClusterStats, useDeleteApp } from './apps.queries';

const appLink = (appID: string) => `/apps/${encodeURIComponent(appID)}`;

/** Every app (super admin: create and delete too), with its live connections. */
export function AppsPage() {
  const session = useSession();
  const navigate = useNavigate();
  const pages = useCursorPages();
  const apps = useAppsPage(pages.cursor, pages.pageSize);
  const stats = useClusterStats(session.isSuperAdmin);
  const remove = useDeleteApp();
  const [editing, setEditing] = useState<App | 'new' | null>(null);
  const live = new Map((stats.data?.apps ?? []).map((a) => [a.appID, a]));

  const askDelete = (app: App) =>
    confirmDestructive({
      title: `Delete app ${app.appID}?`,
      message: `Every client, channel, membership and stored event of “${app.name || app.appID}” is deleted and its connections are closed. This cannot be undone.`,
      confirmLabel: 'Delete app',
      onConfirm: () =>
        remove.mutate(app.appID, {
          onSuccess: () => notifications.show({ color: 'green', message: `App ${app.appID} deleted` }),
          onError: (e) => notifications.show({ color: 'red', title: 'Delete failed', message: e.message }),
        }),
    });

  const list = apps.data?.apps ?? [];
  return (
    <>
      <PageHeader
        title="Apps"
        description={
          session.isSuperAdmin
            ? 'Every tenant app of this deployment. Open one to manage its clients and channels.'
            : 'The app your token administers.'
        }
        actions={
          session.isSuperAdmin ? <Button onClick={() => setEditing('new')}>Create app</Button> : undefined
        }
      />
      <ApiErrorAlert error={apps.error} title="Apps cannot be listed" />
      {apps.isPending ? (
        <Loader aria-label="Loading apps" />
      ) : list.length === 0 && pages.page === 1 ? (
        <EmptyState
          title="No apps yet"
          description={
            session.isSuperAdmin
              ? 'An app is a tenant: its clients, channels and events are its own. Create the first one.'
              : 'Your token’s app does not exist (any more). Ask a super admin to create it.'
          }
          mt="xl"
        >
          {session.isSuperAdmin ? (
            <EmptyState.Actions>
              <Button onClick={() => setEditing('new')}>Create app</Button>
            </EmptyState.Actions>
          ) : null}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table highlightOnHover striped aria-label="Apps">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>App ID</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Ack mode</Table.Th>
                  <Table.Th>Created</Table.Th>
                  {session.isSuperAdmin ? <Table.Th>Connections</Table.Th> : null}
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((app) => (
                  <Table.Tr key={app.appID}>
                    <Table.Td>
                      <Anchor component={Link} to={appLink(app.appID)} fw={600}>
                        {app.appID}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{app.name || <Text c="dimmed">—</Text>}</Table.Td>
                    <Table.Td>{app.ackMode}</Table.Td>
                    <Table.Td>{formatTime(app.createdAt)}</Table.Td>
                    {session.isSuperAdmin ? (
                      <Table.Td>{live.get(app.appID)?.connections ?? 0}</Table.Td>
                    ) : null}
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setEditing(app)}
                          aria-label={`Rename app ${app.appID}`}
                        >
                          Rename
                        </Button>
                        {session.isSuperAdmin ? (
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            onClick={() => askDelete(app)}
                            aria-label={`Delete app ${app.appID}`}
                          >
                            Delete
                          </Button>
                        ) : null}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Pager pages={pages} nextCursor={apps.data?.nextCursor} label="apps" count={list.length} />
        </>
      )}
      <AppFormModal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        app={editing === 'new' || editing === null ? undefined : editing}
        onSaved={(appID) => {
          notifications.show({ color: 'green', message: `App ${appID} saved` });
          if (editing === 'new') void navigate(appLink(appID));
        }}
      />
    </>
  );
}
