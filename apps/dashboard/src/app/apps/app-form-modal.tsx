import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { AckMode, App } from '../../api/schema.gen';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { ACK_MODES } from '../ui/ack-modes';
import { useCreateApp, useUpdateApp } from './apps.queries';

/** Creates an app (super admin) or renames one / changes its ack mode. */
export function AppFormModal({
  opened,
  onClose,
  app,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  /** The app to edit; none: create one. */
  app?: App;
  onSaved?: (appID: string) => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={app ? `Edit app ${app.appID}` : 'Create an app'}>
      <AppForm app={app} onClose={onClose} onSaved={onSaved} />
    </Modal>
  );
}

/** The form, mounted each time the dialog opens (fresh fields and no stale error). */
function AppForm({
  app,
  onClose,
  onSaved,
}: {
  app?: App;
  onClose: () => void;
  onSaved?: (appID: string) => void;
}) {
  const create = useCreateApp();
  const update = useUpdateApp(app?.appID ?? '');
  const mutation = app ? update : create;
  const [appID, setAppID] = useState(app?.appID ?? '');
  const [name, setName] = useState(app?.name ?? '');
  const [ackMode, setAckMode] = useState<AckMode>(app?.ackMode ?? 'queued');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const done = (id: string) => {
      onSaved?.(id);
      onClose();
    };
    if (app) update.mutate({ name, ackMode }, { onSuccess: () => done(app.appID) });
    else create.mutate({ appID, name, ackMode }, { onSuccess: (a) => done(a.appID) });
  };

  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="App ID"
          description="1–150 characters; cannot be changed later."
          required
          value={appID}
          onChange={(e) => setAppID(e.currentTarget.value)}
          disabled={Boolean(app)}
          error={fieldError(mutation.error, 'appID')}
          data-autofocus={app ? undefined : true}
        />
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(mutation.error, 'name')}
          data-autofocus={app ? true : undefined}
        />
        <Select
          label="Ack mode"
          description="When a stored publish is acknowledged, for channels without their own mode."
          data={ACK_MODES}
          value={ackMode}
          onChange={(v) => v && setAckMode(v as AckMode)}
          allowDeselect={false}
          error={fieldError(mutation.error, 'ackMode')}
        />
        <ApiErrorAlert error={mutation.error} except={['appID', 'name', 'ackMode']} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            {app ? 'Save' : 'Create app'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
