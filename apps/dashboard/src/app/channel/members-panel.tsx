import { Autocomplete, Button, Group, Loader, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { type FormEvent, useState } from 'react';
import type { Channel } from '../../api/schema.gen';
import { useClientsPage } from '../clients/clients.queries';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { formatTime } from '../ui/format';
import { Pager, useCursorPages } from '../ui/pager';
import { useMemberMutations, useMembers } from './channel.queries';

/** The channel's members: add (with client suggestions) and remove. */
export function MembersPanel({ channel }: { channel: Channel }) {
  const { appID, channelID } = channel;
  const pages = useCursorPages();
  const members = useMembers(appID, channelID, pages.cursor, pages.pageSize);
  const { add, remove } = useMemberMutations(appID, channelID);
  const [clientID, setClientID] = useState('');
  const [typed] = useDebouncedValue(clientID.trim(), 250);
  const suggestions = useClientsPage(appID, { search: typed, cursor: undefined, limit: 20 }, typed !== '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = clientID.trim();
    if (!id) return;
    add.mutate(id, {
      onSuccess: (r) => {
        notifications.show({
          color: 'green',
          message: r.added ? `${id} is now a member of ${channelID}` : `${id} already was a member`,
        });
        setClientID('');
      },
    });
  };

  const askRemove = (id: string) =>
    confirmDestructive({
      title: `Remove ${id} from ${channelID}?`,
      message: channel.private
        ? 'Its devices are told (remove_channel) and unsubscribed; it can no longer subscribe or publish here.'
        : 'Its devices are told (remove_channel) and unsubscribed.',
      confirmLabel: 'Remove member',
      onConfirm: () =>
        remove.mutate(id, {
          onSuccess: () => notifications.show({ message: `${id} removed from ${channelID}` }),
          onError: (err) =>
            notifications.show({ color: 'red', title: 'Remove failed', message: err.message }),
        }),
    });

  const list = members.data?.members ?? [];
  return (
    <Stack>
      <form onSubmit={submit} aria-label="Add a member">
        <Group align="flex-end" wrap="wrap">
          <Autocomplete
            label="Client ID"
            description="The client to add as a member."
            placeholder="Start typing a client ID…"
            value={clientID}
            onChange={setClientID}
            data={(suggestions.data?.clients ?? []).map((c) => c.clientID)}
            error={fieldError(add.error, 'clientID')}
            miw={260}
          />
          <Button type="submit" loading={add.isPending} disabled={!clientID.trim()}>
            Add member
          </Button>
        </Group>
      </form>
      <ApiErrorAlert error={add.error} title="Not added" except={['clientID']} />
      <ApiErrorAlert error={members.error} title="Members cannot be listed" />
      {members.isPending ? (
        <Loader aria-label="Loading members" />
      ) : list.length === 0 && pages.page === 1 ? (
        <Text size="sm" c="dimmed">
          {channel.private
            ? 'No members yet. Only members may subscribe to and publish on this private channel: add the first one above.'
            : 'No members yet. Open channels accept every client of the app; members are told when they are added (new_channel).'}
        </Text>
      ) : (
        <>
          <Table striped aria-label="Members">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Client ID</Table.Th>
                <Table.Th>Member since</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((m) => (
                <Table.Tr key={m.clientID}>
                  <Table.Td fw={600}>{m.clientID}</Table.Td>
                  <Table.Td>{formatTime(m.createdAt)}</Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      <Button
                        size="xs"
                        variant="light"
                        color="red"
                        onClick={() => askRemove(m.clientID)}
                        aria-label={`Remove member ${m.clientID}`}
                      >
                        Remove
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Pager pages={pages} nextCursor={members.data?.nextCursor} label="members" count={list.length} />
        </>
      )}
    </Stack>
  );
}
