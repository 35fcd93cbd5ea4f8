import {
  Alert,
  Button,
  Code,
  Fieldset,
  Group,
  Modal,
  Radio,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { Namespace } from '../../api/schema.gen';
import {
  CHANNEL_SETTING_FIELDS,
  type ChannelSettings,
  ChannelSettingsFields,
  DEFAULT_CHANNEL_SETTINGS,
  settingsOf,
} from '../channels/channel-settings-fields';
import { draftOf, type HookKind, type HooksDraft, HooksFields, hooksOf } from '../hooks/hooks-fields';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { useNamespaceMutations } from './namespaces.queries';

/** A namespace's hooks replace the app's for its channels: subscribe and publish (connect has no channel). */
export const NAMESPACE_HOOKS: readonly HookKind[] = ['subscribe', 'publish'];

const HOOK_FIELDS = [
  'hooks',
  'hooks.timeoutMs',
  'hooks.onFailure',
  ...NAMESPACE_HOOKS.map((k) => `hooks.${k}.url`),
];

/** Creates a namespace with its settings, or edits one's settings (its followers change with it). */
export function NamespaceFormModal({
  appID,
  opened,
  onClose,
  namespace,
  onSaved,
}: {
  appID: string;
  opened: boolean;
  onClose: () => void;
  namespace?: Namespace;
  onSaved?: (n: Namespace) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={namespace ? `Edit namespace ${namespace.name}` : 'Create a namespace'}
      size="lg"
    >
      <NamespaceForm appID={appID} namespace={namespace} onClose={onClose} onSaved={onSaved} />
    </Modal>
  );
}

function NamespaceForm({
  appID,
  namespace,
  onClose,
  onSaved,
}: {
  appID: string;
  namespace?: Namespace;
  onClose: () => void;
  onSaved?: (n: Namespace) => void;
}) {
  const { create, update } = useNamespaceMutations(appID);
  const mutation = namespace ? update : create;
  const [name, setName] = useState(namespace?.name ?? '');
  const [autoCreate, setAutoCreate] = useState(namespace?.autoCreate ?? true);
  const [settings, setSettings] = useState<ChannelSettings>(
    namespace ? settingsOf(namespace) : DEFAULT_CHANNEL_SETTINGS,
  );
  const [ownHooks, setOwnHooks] = useState(Boolean(namespace?.hooks));
  const [hooks, setHooks] = useState<HooksDraft>(draftOf(namespace?.hooks));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { ...settings, autoCreate, hooks: ownHooks ? hooksOf(hooks, NAMESPACE_HOOKS) : null };
    const done = (n: Namespace) => {
      onSaved?.(n);
      onClose();
    };
    if (namespace) update.mutate({ name: namespace.name, ...body }, { onSuccess: done });
    else create.mutate({ name: name.trim(), ...body }, { onSuccess: done });
  };

  const shown = name.trim() || 'name';
  return (
    // noValidate: admin-api checks the name and the URLs; its messages are shown under the fields.
    <form onSubmit={submit} noValidate>
      <Stack>
        {namespace ? (
          <Alert color="blue" title="Its channels follow at once">
            Channels made from this namespace (on first use, and not changed on their own since) take the new
            settings as soon as you save, live subscribers included: made private, non-members are
            unsubscribed; presence is turned on or off. Channels created or changed on their own keep their
            settings.
          </Alert>
        ) : null}
        <TextInput
          label="Name"
          description={
            <>
              1–50 characters of letters, digits and _ - . @ $. Its channels are <Code>{shown}:…</Code>.
              Cannot be changed later.
            </>
          }
          required
          disabled={Boolean(namespace)}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(mutation.error, 'name')}
          data-autofocus={namespace ? undefined : true}
        />
        <Switch
          label="Auto-create"
          description={
            <>
              A channel <Code>{shown}:…</Code> comes into existence on its first subscribe or publish, with
              these settings. Off: its channels must be created first.
            </>
          }
          checked={autoCreate}
          onChange={(e) => setAutoCreate(e.currentTarget.checked)}
          error={fieldError(mutation.error, 'autoCreate')}
        />
        <ChannelSettingsFields value={settings} onChange={setSettings} error={mutation.error} />
        <Fieldset legend="Hooks of its channels" variant="filled">
          <Stack gap="sm">
            <Radio.Group
              aria-label="Hooks of its channels"
              value={ownHooks ? 'own' : 'app'}
              onChange={(v) => setOwnHooks(v === 'own')}
            >
              <Group>
                <Radio value="app" label="The app’s hooks" />
                <Radio value="own" label="Its own hooks" />
              </Group>
            </Radio.Group>
            {ownHooks ? (
              <>
                <Text size="xs" c="dimmed">
                  Asked instead of the app’s for this namespace’s channels. Leave both URLs empty to ask your
                  backend nothing for them.
                </Text>
                <HooksFields
                  value={hooks}
                  onChange={setHooks}
                  error={mutation.error}
                  kinds={NAMESPACE_HOOKS}
                  prefix="hooks."
                />
              </>
            ) : null}
          </Stack>
        </Fieldset>
        <ApiErrorAlert
          error={mutation.error}
          except={['name', 'autoCreate', ...CHANNEL_SETTING_FIELDS, ...(ownHooks ? HOOK_FIELDS : [])]}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            {namespace ? 'Save' : 'Create namespace'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
