import { Button, Group, JsonInput, Modal, Select, Stack, Switch, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { AckMode, Channel } from '../../api/schema.gen';
import { ACK_MODES } from '../ui/ack-modes';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { useChannelMutations } from './channels.queries';

const APP_DEFAULT = 'app';

/** Creates a channel with its settings, or edits one's settings. */
export function ChannelFormModal({
  appID,
  opened,
  onClose,
  channel,
  onSaved,
}: {
  appID: string;
  opened: boolean;
  onClose: () => void;
  channel?: Channel;
  onSaved?: (c: Channel) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={channel ? `Edit channel ${channel.channelID}` : 'Create a channel'}
      size="lg"
    >
      <ChannelForm appID={appID} channel={channel} onClose={onClose} onSaved={onSaved} />
    </Modal>
  );
}

function ChannelForm({
  appID,
  channel,
  onClose,
  onSaved,
}: {
  appID: string;
  channel?: Channel;
  onClose: () => void;
  onSaved?: (c: Channel) => void;
}) {
  const { create, update } = useChannelMutations(appID);
  const mutation = channel ? update : create;
  const [channelID, setChannelID] = useState(channel?.channelID ?? '');
  const [name, setName] = useState(channel?.name ?? '');
  const [persistent, setPersistent] = useState(channel?.persistent ?? true);
  const [isPrivate, setPrivate] = useState(channel?.private ?? false);
  const [presence, setPresence] = useState(channel?.presence ?? false);
  const [extra, setExtra] = useState(channel?.extra ?? '');
  const [ackMode, setAckMode] = useState<string>(channel?.ackMode ?? APP_DEFAULT);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const settings = {
      name,
      persistent,
      private: isPrivate,
      presence,
      extra,
      ackMode: ackMode === APP_DEFAULT ? null : (ackMode as AckMode),
    };
    const done = (c: Channel) => {
      onSaved?.(c);
      onClose();
    };
    if (channel) update.mutate({ channelID: channel.channelID, ...settings }, { onSuccess: done });
    else create.mutate({ channelID, ...settings }, { onSuccess: done });
  };

  const fields = ['channelID', 'name', 'persistent', 'private', 'presence', 'extra', 'ackMode'];
  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="Channel ID"
          description="1–100 characters of letters, digits and _ - : . @; cannot be changed later."
          required
          disabled={Boolean(channel)}
          value={channelID}
          onChange={(e) => setChannelID(e.currentTarget.value)}
          error={fieldError(mutation.error, 'channelID')}
          data-autofocus={channel ? undefined : true}
        />
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(mutation.error, 'name')}
          data-autofocus={channel ? true : undefined}
        />
        <Switch
          label="Persistent"
          description="Events are stored and can be read back as history."
          checked={persistent}
          onChange={(e) => setPersistent(e.currentTarget.checked)}
          error={fieldError(mutation.error, 'persistent')}
        />
        <Switch
          label="Private"
          description="Only members may subscribe and publish; open channels accept every client of the app."
          checked={isPrivate}
          onChange={(e) => setPrivate(e.currentTarget.checked)}
          error={fieldError(mutation.error, 'private')}
        />
        <Switch
          label="Presence"
          description="Subscribers are told who is online and who joins or leaves."
          checked={presence}
          onChange={(e) => setPresence(e.currentTarget.checked)}
          error={fieldError(mutation.error, 'presence')}
        />
        <Select
          label="Ack mode"
          data={[{ value: APP_DEFAULT, label: 'The app’s ack mode' }, ...ACK_MODES]}
          value={ackMode}
          onChange={(v) => v && setAckMode(v)}
          allowDeselect={false}
          error={fieldError(mutation.error, 'ackMode')}
        />
        <JsonInput
          label="Extra"
          description="A free string kept with the channel, often JSON."
          autosize
          minRows={3}
          maxRows={10}
          value={extra}
          onChange={setExtra}
          deserialize={(text) => (/^\s*[[{]/.test(text) ? (JSON.parse(text) as unknown) : text)}
          validationError="This looks like JSON but does not parse"
          error={fieldError(mutation.error, 'extra')}
        />
        <ApiErrorAlert error={mutation.error} except={fields} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            {channel ? 'Save' : 'Create channel'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
