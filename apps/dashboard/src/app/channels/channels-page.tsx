import {
  Anchor,
  Button,
  EmptyState,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCurrentApp } from '../apps/current-app';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { formatTime } from '../ui/format';
import { PageHeader } from '../ui/page-header';
import { Pager, useCursorPages } from '../ui/pager';
import { ChannelBadges } from './channel-badges';
import { channelLink } from './channel-names';
import { askDeleteChannel, toggleClosed } from './channel-actions';
import { ChannelFormModal } from './channel-form-modal';
import { type ChannelFilters, type Flag, useChannelMutations, useChannelsPage } from './channels.queries';

const FLAG_FILTERS: {
  key: Exclude<keyof ChannelFilters, 'search'>;
  label: string;
  yes: string;
  no: string;
}[] = [
  { key: 'private', label: 'Access', yes: 'Private', no: 'Open' },
  { key: 'persistent', label: 'Storage', yes: 'Persistent', no: 'Not stored' },
  { key: 'presence', label: 'Presence', yes: 'On', no: 'Off' },
  { key: 'closed', label: 'State', yes: 'Closed', no: 'Open for publishing' },
];

const toFlag = (v: string): Flag => (v === 'yes' ? true : v === 'no' ? false : undefined);
const fromFlag = (f: Flag) => (f === true ? 'yes' : f === false ? 'no' : 'any');

/** The app's channels: filters, search, create with settings, close/open, delete. */
export function ChannelsPage() {
  const { appID } = useCurrentApp();
  const navigate = useNavigate();
  // `?search=` opens the list searched (a namespace's page links its channels as `?search=room:`).
  const [params] = useSearchParams();
  const [search, setSearch] = useState(params.get('search') ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [flags, setFlags] = useState<Omit<ChannelFilters, 'search'>>({
    private: undefined,
    persistent: undefined,
    presence: undefined,
    closed: undefined,
  });
  const pages = useCursorPages();
  const { reset } = pages;
  useEffect(() => reset(), [debounced, flags, reset]);
  const channels = useChannelsPage(appID, {
    search: debounced,
    ...flags,
    cursor: pages.cursor,
    limit: pages.pageSize,
  });
  const mutations = useChannelMutations(appID);
  const [creating, setCreating] = useState(false);
  const filtered = debounced !== '' || Object.values(flags).some((f) => f !== undefined);

  const list = channels.data?.channels ?? [];
  return (
    <>
      <PageHeader
        title="Channels"
        description="Where events are published. Open a channel for its members, presence, live events and history."
        actions={<Button onClick={() => setCreating(true)}>Create channel</Button>}
      />
      <Stack gap="xs" mb="md">
        <TextInput
          label="Search channels"
          placeholder="Channel ID or name contains…"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maw={420}
        />
        <Group gap="md" wrap="wrap" role="group" aria-label="Filters">
          {FLAG_FILTERS.map((f) => (
            <Stack gap={2} key={f.key}>
              <Text size="xs" fw={600} id={`filter-${f.key}`}>
                {f.label}
              </Text>
              <SegmentedControl
                size="xs"
                aria-labelledby={`filter-${f.key}`}
                value={fromFlag(flags[f.key])}
                onChange={(v) => setFlags((s) => ({ ...s, [f.key]: toFlag(v) }))}
                data={[
                  { value: 'any', label: 'Any' },
                  { value: 'yes', label: f.yes },
                  { value: 'no', label: f.no },
                ]}
              />
            </Stack>
          ))}
        </Group>
      </Stack>
      <ApiErrorAlert error={channels.error} title="Channels cannot be listed" />
      {channels.isPending ? (
        <Loader aria-label="Loading channels" />
      ) : list.length === 0 && pages.page === 1 ? (
        <EmptyState
          title={filtered ? 'No channel matches these filters' : 'No channels yet'}
          description={
            filtered
              ? 'Change the search or set the filters back to “Any”.'
              : 'Create a channel, then publish to it from a client, the SDK, the API or its page here.'
          }
          mt="xl"
        >
          {filtered ? null : (
            <EmptyState.Actions>
              <Button onClick={() => setCreating(true)}>Create channel</Button>
            </EmptyState.Actions>
          )}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table highlightOnHover striped aria-label="Channels">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Channel ID</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Settings</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((c) => (
                  <Table.Tr key={c.channelID}>
                    <Table.Td>
                      <Anchor component={Link} to={channelLink(appID, c.channelID)} fw={600}>
                        {c.channelID}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{c.name || <Text c="dimmed">—</Text>}</Table.Td>
                    <Table.Td>
                      <ChannelBadges channel={c} />
                    </Table.Td>
                    <Table.Td>{formatTime(c.createdAt)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => toggleClosed(c, mutations)}
                          aria-label={`${c.isClosed ? 'Reopen' : 'Close'} channel ${c.channelID}`}
                        >
                          {c.isClosed ? 'Reopen' : 'Close'}
                        </Button>
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          onClick={() => askDeleteChannel(c, mutations)}
                          aria-label={`Delete channel ${c.channelID}`}
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
          <Pager pages={pages} nextCursor={channels.data?.nextCursor} label="channels" count={list.length} />
        </>
      )}
      <ChannelFormModal
        appID={appID}
        opened={creating}
        onClose={() => setCreating(false)}
        onSaved={(c) => {
          notifications.show({ color: 'green', message: `Channel ${c.channelID} created` });
          void navigate(channelLink(appID, c.channelID));
        }}
      />
    </>
  );
}
