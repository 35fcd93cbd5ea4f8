import { Alert, Button, Group, JsonInput, Modal, Select, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { AckMode, Channel } from '../../api/schema.gen';
import { ACK_MODES } from '../ui/ack-modes';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import {
  CHANNEL_SETTING_FIELDS,
  type ChannelSettings,
  ChannelSettingsFields,
  DEFAULT_CHANNEL_SETTINGS,
  settingsOf,
} from './channel-settings-fields';
import { namespaceOf } from './channel-names';
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
  // A new channel is persistent unless told otherwise (what a console user usually wants).
  const [settings, setSettings] = useState<ChannelSettings>(
    channel ? settingsOf(channel) : { ...DEFAULT_CHANNEL_SETTINGS, persistent: true },
  );
  const [extra, setExtra] = useState(channel?.extra ?? '');
  const [ackMode, setAckMode] = useState<string>(channel?.ackMode ?? APP_DEFAULT);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      name,
      ...settings,
      extra,
      ackMode: ackMode === APP_DEFAULT ? null : (ackMode as AckMode),
    };
    const done = (c: Channel) => {
      onSaved?.(c);
      onClose();
    };
    if (channel) update.mutate({ channelID: channel.channelID, ...body }, { onSuccess: done });
    else create.mutate({ channelID, ...body }, { onSuccess: done });
  };

  const fields = ['channelID', 'name', ...CHANNEL_SETTING_FIELDS, 'extra', 'ackMode'];
  const namespace = channel ? namespaceOf(channel.channelID) : null;
  return (
    <form onSubmit={submit}>
      <Stack>
        {channel?.autoCreated ? (
          <Alert color="yellow" title="Made on first use">
            {namespace
              ? `This channel follows namespace ${namespace}: its settings change when the namespace's do. Saving here makes it a channel of its own, which later changes of the namespace no longer reach.`
              : 'This channel was made on first use. Saving here makes it a channel of its own.'}
          </Alert>
        ) : null}
        <TextInput
          label="Channel ID"
          description="1–100 characters of letters, digits and _ - : . @ $ # , (at most one #); the part before the first : names its namespace. Cannot be changed later."
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
        <ChannelSettingsFields value={settings} onChange={setSettings} error={mutation.error} />
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
