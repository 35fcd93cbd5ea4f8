import { Button, Group, JsonInput, Modal, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { Client } from '../../api/schema.gen';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { useClientMutations } from './clients.queries';

/** Creates a client, or edits one's username and `extra`. */
export function ClientFormModal({
  appID,
  opened,
  onClose,
  client,
  onSaved,
}: {
  appID: string;
  opened: boolean;
  onClose: () => void;
  client?: Client;
  onSaved?: (c: Client) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={client ? `Edit client ${client.clientID}` : 'Create a client'}
      size="lg"
    >
      <ClientForm appID={appID} client={client} onClose={onClose} onSaved={onSaved} />
    </Modal>
  );
}

function ClientForm({
  appID,
  client,
  onClose,
  onSaved,
}: {
  appID: string;
  client?: Client;
  onClose: () => void;
  onSaved?: (c: Client) => void;
}) {
  const { create, update } = useClientMutations(appID);
  const mutation = client ? update : create;
  const [clientID, setClientID] = useState(client?.clientID ?? '');
  const [username, setUsername] = useState(client?.username ?? '');
  const [extra, setExtra] = useState(client?.extra ?? '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const done = (c: Client) => {
      onSaved?.(c);
      onClose();
    };
    if (client) update.mutate({ clientID: client.clientID, username, extra }, { onSuccess: done });
    else create.mutate({ clientID, username, extra }, { onSuccess: done });
  };

  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="Client ID"
          description="1–100 characters, unique in the app; the ClientID claim of the client’s tokens."
          required
          disabled={Boolean(client)}
          value={clientID}
          onChange={(e) => setClientID(e.currentTarget.value)}
          error={fieldError(mutation.error, 'clientID')}
          data-autofocus={client ? undefined : true}
        />
        <TextInput
          label="Username"
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          error={fieldError(mutation.error, 'username')}
        />
        <JsonInput
          label="Extra"
          description="A free string kept with the client, often JSON (checked when it looks like JSON)."
          autosize
          minRows={4}
          maxRows={12}
          value={extra}
          onChange={setExtra}
          validationError={looksLikeJson(extra) ? 'This looks like JSON but does not parse' : undefined}
          deserialize={(text) => (looksLikeJson(text) ? (JSON.parse(text) as unknown) : text)}
          error={fieldError(mutation.error, 'extra')}
          data-autofocus={client ? true : undefined}
        />
        <ApiErrorAlert error={mutation.error} except={['clientID', 'username', 'extra']} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            {client ? 'Save' : 'Create client'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** `extra` is free text; it is checked as JSON only when it starts like a JSON object or array. */
function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}
