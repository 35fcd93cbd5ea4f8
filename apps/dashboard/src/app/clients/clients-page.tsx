import {
  Anchor,
  Button,
  Code,
  Drawer,
  EmptyState,
  Group,
  List,
  Loader,
  Menu,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { Client } from '../../api/schema.gen';
import { useCurrentApp } from '../apps/current-app';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { formatTime } from '../ui/format';
import { PageHeader } from '../ui/page-header';
import { Pager, useCursorPages } from '../ui/pager';
import { ClientFormModal } from './client-form-modal';
import { useClientChannels, useClientMutations, useClientsPage } from './clients.queries';

/** The app's clients: search, page, create, edit, delete, disconnect, and their channels. */
export function ClientsPage() {
  const app = useCurrentApp();
  const appID = app.appID;
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const pages = useCursorPages();
  const { reset } = pages;
  useEffect(() => reset(), [debounced, reset]);
  const clients = useClientsPage(appID, { search: debounced, cursor: pages.cursor, limit: pages.pageSize });
  const { remove, disconnect } = useClientMutations(appID);
  const [editing, setEditing] = useState<Client | 'new' | null>(null);
  const [channelsOf, setChannelsOf] = useState<string | null>(null);

  const askDelete = (c: Client) =>
    confirmDestructive({
      title: `Delete client ${c.clientID}?`,
      message:
        'Its memberships are removed, its connections are closed and its tokens stop working. This cannot be undone.',
      confirmLabel: 'Delete client',
      onConfirm: () =>
        remove.mutate(c.clientID, {
          onSuccess: () => notifications.show({ color: 'green', message: `Client ${c.clientID} deleted` }),
          onError: (e) => notifications.show({ color: 'red', title: 'Delete failed', message: e.message }),
        }),
    });
  const askDisconnect = (c: Client) =>
    confirmDestructive({
      title: `Disconnect client ${c.clientID}?`,
      message:
        'Every connection (device) of this client is closed on every gateway. Its SDK may reconnect with a valid token.',
      confirmLabel: 'Disconnect',
      onConfirm: () =>
        disconnect.mutate(c.clientID, {
          onSuccess: () => notifications.show({ message: `Client ${c.clientID} disconnected` }),
          onError: (e) =>
            notifications.show({ color: 'red', title: 'Disconnect failed', message: e.message }),
        }),
    });

  const list = clients.data?.clients ?? [];
  return (
    <>
      <PageHeader
        title="Clients"
        description="The users and devices of this app: each client connects with a token naming its Client ID."
        actions={<Button onClick={() => setEditing('new')}>Create client</Button>}
      />
      <TextInput
        label="Search clients"
        placeholder="Client ID or username contains…"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={420}
        mb="md"
        type="search"
      />
      <ApiErrorAlert error={clients.error} title="Clients cannot be listed" />
      {clients.isPending ? (
        <Loader aria-label="Loading clients" />
      ) : list.length === 0 && pages.page === 1 ? (
        <EmptyState
          title={debounced ? `No client matches “${debounced}”` : 'No clients yet'}
          description={
            debounced
              ? 'Search looks for the text inside client IDs and usernames. Try a shorter text.'
              : 'Create a client for each user of your app, then give it a token with its Client ID.'
          }
          mt="xl"
        >
          {debounced ? null : (
            <EmptyState.Actions>
              <Button onClick={() => setEditing('new')}>Create client</Button>
            </EmptyState.Actions>
          )}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table highlightOnHover striped aria-label="Clients">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Client ID</Table.Th>
                  <Table.Th>Username</Table.Th>
                  <Table.Th>Extra</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((c) => (
                  <Table.Tr key={c.clientID}>
                    <Table.Td fw={600}>{c.clientID}</Table.Td>
                    <Table.Td>{c.username || <Text c="dimmed">—</Text>}</Table.Td>
                    <Table.Td maw={280}>
                      {c.extra ? (
                        <Code block={false} style={{ display: 'block' }} title={c.extra}>
                          <Text span truncate="end" size="xs" display="block">
                            {c.extra}
                          </Text>
                        </Code>
                      ) : (
                        <Text c="dimmed">—</Text>
                      )}
                    </Table.Td>
                    <Table.Td>{formatTime(c.createdAt)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setEditing(c)}
                          aria-label={`Edit client ${c.clientID}`}
                        >
                          Edit
                        </Button>
                        <Menu position="bottom-end" withinPortal>
                          <Menu.Target>
                            <Button
                              size="xs"
                              variant="subtle"
                              aria-label={`More actions for client ${c.clientID}`}
                            >
                              More
                            </Button>
                          </Menu.Target>
                          <Menu.Dropdown>
                            <Menu.Item onClick={() => setChannelsOf(c.clientID)}>Channels</Menu.Item>
                            <Menu.Item onClick={() => askDisconnect(c)}>Disconnect</Menu.Item>
                            <Menu.Divider />
                            <Menu.Item color="red" onClick={() => askDelete(c)}>
                              Delete
                            </Menu.Item>
                          </Menu.Dropdown>
                        </Menu>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Pager pages={pages} nextCursor={clients.data?.nextCursor} label="clients" count={list.length} />
        </>
      )}
      <ClientFormModal
        appID={appID}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        client={editing === 'new' || editing === null ? undefined : editing}
        onSaved={(c) => notifications.show({ color: 'green', message: `Client ${c.clientID} saved` })}
      />
      <ClientChannelsDrawer appID={appID} clientID={channelsOf} onClose={() => setChannelsOf(null)} />
    </>
  );
}

function ClientChannelsDrawer({
  appID,
  clientID,
  onClose,
}: {
  appID: string;
  clientID: string | null;
  onClose: () => void;
}) {
  const channels = useClientChannels(appID, clientID);
  const list = channels.data?.channels ?? [];
  return (
    <Drawer
      opened={clientID !== null}
      onClose={onClose}
      title={`Channels of ${clientID ?? ''}`}
      position="right"
    >
      <ApiErrorAlert error={channels.error} />
      {channels.isPending ? (
        <Loader aria-label="Loading channels" />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          This client is a member of no channel. Open a channel and add it under Members; open channels need
          no membership.
        </Text>
      ) : (
        <List aria-label={`Channels of ${clientID ?? ''}`}>
          {list.map((ch) => (
            <List.Item key={ch}>
              <Anchor
                component={Link}
                to={`/apps/${encodeURIComponent(appID)}/channels/${encodeURIComponent(ch)}`}
              >
                {ch}
              </Anchor>
            </List.Item>
          ))}
        </List>
      )}
    </Drawer>
  );
}
