import {
  Anchor,
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Loader,
  Pagination,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Hooks, Namespace } from '../../api/schema.gen';
import { useCurrentApp } from '../apps/current-app';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { formatRetention, formatTime } from '../ui/format';
import { PageHeader } from '../ui/page-header';
import { NamespaceFormModal } from './namespace-form-modal';
import { useNamespaceMutations, useNamespaces } from './namespaces.queries';

/** Namespaces shown per page (`/v1` answers them all at once). */
export const NAMESPACES_PER_PAGE = 25;

/** The hooks a namespace's channels ask, in words. */
export function namespaceHooksText(hooks: Hooks | null): string {
  if (hooks === null) return 'the app’s';
  const set = (['subscribe', 'publish'] as const).filter((k) => hooks[k]);
  return set.length ? `own: ${set.join(', ')}` : 'none (own, empty)';
}

/** The app's namespaces: list, create, edit settings (followers change at once), delete. */
export function NamespacesPage() {
  const { appID } = useCurrentApp();
  const namespaces = useNamespaces(appID);
  const { remove } = useNamespaceMutations(appID);
  const [editing, setEditing] = useState<Namespace | 'new' | null>(null);
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);

  const askDelete = (n: Namespace) =>
    confirmDestructive({
      title: `Delete namespace ${n.name}?`,
      message: (
        <Stack gap="xs">
          <Text size="sm">
            Its channels stay as they are, with the settings they have now, their history and members.
          </Text>
          <Text size="sm">
            {n.autoCreate ? (
              <>
                No new channel <Code>{n.name}:…</Code> is made on first use any more: subscribing to one that
                does not exist is refused.
              </>
            ) : (
              'Channels created later under this name get only their own settings.'
            )}
          </Text>
        </Stack>
      ),
      confirmLabel: 'Delete namespace',
      onConfirm: () =>
        remove.mutate(n.name, {
          onSuccess: () => notifications.show({ color: 'green', message: `Namespace ${n.name} deleted` }),
          onError: (e) => notifications.show({ color: 'red', title: 'Delete failed', message: e.message }),
        }),
    });

  const all = namespaces.data?.namespaces ?? [];
  const term = search.trim().toLowerCase();
  const matching = term ? all.filter((n) => n.name.toLowerCase().includes(term)) : all;
  const pageCount = Math.max(1, Math.ceil(matching.length / NAMESPACES_PER_PAGE));
  const current = Math.min(page, pageCount);
  const list = matching.slice((current - 1) * NAMESPACES_PER_PAGE, current * NAMESPACES_PER_PAGE);
  const channelsOf = (n: Namespace) =>
    `/apps/${encodeURIComponent(appID)}/channels?search=${encodeURIComponent(`${n.name}:`)}`;

  return (
    <>
      <PageHeader
        title="Namespaces"
        description={
          <>
            Channel defaults for the ids <Code>name:…</Code> (<Code>room</Code> for <Code>room:lobby</Code>).
            With auto-create, a channel of the namespace exists from its first subscribe or publish, with
            these settings.
          </>
        }
        actions={<Button onClick={() => setEditing('new')}>Create namespace</Button>}
      />
      {all.length > NAMESPACES_PER_PAGE || term ? (
        <TextInput
          label="Search namespaces"
          placeholder="Name contains…"
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setPage(1);
          }}
          maw={420}
          mb="md"
        />
      ) : null}
      <ApiErrorAlert error={namespaces.error} title="Namespaces cannot be listed" />
      {namespaces.isPending ? (
        <Loader aria-label="Loading namespaces" />
      ) : namespaces.error ? null : list.length === 0 ? (
        <EmptyState
          title={term ? `No namespace matches “${search.trim()}”` : 'No namespaces yet'}
          description={
            term
              ? 'Search looks for the text inside namespace names.'
              : 'Create a namespace for channels that appear all the time — rooms, documents, tickets: name it “room” and turn on auto-create, and “room:lobby” exists as soon as a client subscribes to it.'
          }
          mt="xl"
        >
          {term ? null : (
            <EmptyState.Actions>
              <Button onClick={() => setEditing('new')}>Create namespace</Button>
            </EmptyState.Actions>
          )}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table highlightOnHover striped aria-label="Namespaces">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Settings of its channels</Table.Th>
                  <Table.Th>History</Table.Th>
                  <Table.Th>Hooks</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((n) => (
                  <Table.Tr key={n.name}>
                    <Table.Td>
                      <Text fw={600} span>
                        {n.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        <Anchor
                          component={Link}
                          to={channelsOf(n)}
                          size="xs"
                          aria-label={`Channels of ${n.name}`}
                        >
                          {n.name}:…
                        </Anchor>
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <NamespaceBadges namespace={n} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {n.persistent ? formatRetention(n.historySize, n.historyTTLSeconds) : 'not stored'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{namespaceHooksText(n.hooks)}</Text>
                    </Table.Td>
                    <Table.Td>{formatTime(n.createdAt)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setEditing(n)}
                          aria-label={`Edit namespace ${n.name}`}
                        >
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          onClick={() => askDelete(n)}
                          aria-label={`Delete namespace ${n.name}`}
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between" mt="sm" wrap="wrap">
            <Text size="sm" c="dimmed" aria-live="polite">
              {matching.length} {matching.length === 1 ? 'namespace' : 'namespaces'}
              {pageCount > 1 ? ` · page ${current} of ${pageCount}` : ''}
            </Text>
            {pageCount > 1 ? (
              <Pagination
                total={pageCount}
                value={current}
                onChange={setPage}
                size="sm"
                aria-label="Pages of namespaces"
                getItemProps={(p) => ({ 'aria-label': `Page ${p} of namespaces` })}
                getControlProps={(control) => ({
                  'aria-label': `${control === 'previous' ? 'Previous' : control === 'next' ? 'Next' : control === 'first' ? 'First' : 'Last'} page of namespaces`,
                })}
              />
            ) : null}
          </Group>
        </>
      )}
      <NamespaceFormModal
        appID={appID}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        namespace={editing === 'new' || editing === null ? undefined : editing}
        onSaved={(n) =>
          notifications.show({
            color: 'green',
            message:
              editing === 'new'
                ? `Namespace ${n.name} created`
                : `Namespace ${n.name} saved; its channels follow`,
          })
        }
      />
    </>
  );
}

function NamespaceBadges({ namespace: n }: { namespace: Namespace }) {
  return (
    <Group gap={4} wrap="wrap">
      {n.autoCreate ? (
        <Badge variant="filled" color="cyan">
          auto-create
        </Badge>
      ) : (
        <Badge variant="outline" color="gray">
          no auto-create
        </Badge>
      )}
      <Badge variant="light" color={n.private ? 'grape' : 'blue'}>
        {n.private ? 'private' : 'open'}
      </Badge>
      {n.persistent ? <Badge variant="light">persistent</Badge> : null}
      {n.presence ? (
        <Badge variant="light" color="teal">
          presence
        </Badge>
      ) : null}
      {n.presence && !n.joinLeave ? (
        <Badge variant="light" color="gray">
          no join/leave
        </Badge>
      ) : null}
      {n.clientPublish ? null : (
        <Badge variant="light" color="gray">
          backend publishes only
        </Badge>
      )}
    </Group>
  );
}
