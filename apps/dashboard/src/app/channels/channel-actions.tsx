import { Alert, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Channel } from '../../api/schema.gen';
import { confirmDestructive } from '../ui/confirm';
import type { useChannelMutations } from './channels.queries';

type Mutations = ReturnType<typeof useChannelMutations>;

/** Asks, then deletes `channel`; a persistent channel's warning says its history goes too. */
export function askDeleteChannel(channel: Channel, mutations: Mutations, onDeleted?: () => void): void {
  confirmDestructive({
    title: `Delete channel ${channel.channelID}?`,
    message: (
      <Stack gap="sm">
        {channel.persistent ? (
          <Alert color="red" title="This channel is persistent" role="alert">
            Every stored event of this channel is deleted with it: its history cannot be read again, also not
            if a channel with the same ID is created later.
          </Alert>
        ) : null}
        <Text size="sm">
          Its memberships are removed and every subscriber and member is told (<code>remove_channel</code>).
          This cannot be undone.
        </Text>
      </Stack>
    ),
    confirmLabel: 'Delete channel',
    onConfirm: () =>
      mutations.remove.mutate(channel.channelID, {
        onSuccess: () => {
          notifications.show({ color: 'green', message: `Channel ${channel.channelID} deleted` });
          onDeleted?.();
        },
        onError: (e) => notifications.show({ color: 'red', title: 'Delete failed', message: e.message }),
      }),
  });
}

/** Closes (no publishing; subscribers stay) or reopens `channel`. */
export function toggleClosed(channel: Channel, mutations: Mutations): void {
  const closed = !channel.isClosed;
  const run = () =>
    mutations.setClosed.mutate(
      { channelID: channel.channelID, closed },
      {
        onSuccess: () =>
          notifications.show({ message: `Channel ${channel.channelID} ${closed ? 'closed' : 'reopened'}` }),
        onError: (e) => notifications.show({ color: 'red', title: 'The change failed', message: e.message }),
      },
    );
  if (!closed) return run();
  confirmDestructive({
    title: `Close channel ${channel.channelID}?`,
    message:
      'Publishing is refused on every gateway until the channel is reopened. Subscribers stay and may still read.',
    confirmLabel: 'Close channel',
    onConfirm: run,
  });
}
