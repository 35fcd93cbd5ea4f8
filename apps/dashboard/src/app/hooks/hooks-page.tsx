import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  Loader,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import type { Hooks } from '../../api/schema.gen';
import { useCurrentApp } from '../apps/current-app';
import { useNamespaces } from '../namespaces/namespaces.queries';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { confirmDestructive } from '../ui/confirm';
import { PageHeader } from '../ui/page-header';
import { anyHook, draftOf, type HookKind, type HooksDraft, HooksFields, hooksOf } from './hooks-fields';
import { useHooks, useHooksMutations } from './hooks.queries';

const APP_HOOKS: readonly HookKind[] = ['connect', 'subscribe', 'publish'];
const FIELDS = ['timeoutMs', 'onFailure', ...APP_HOOKS.flatMap((k) => [k, `${k}.url`])];

/** Which hooks `hooks` sets, in words. */
export function hooksSummary(hooks: Hooks | null): string {
  const set = hooks ? APP_HOOKS.filter((k) => hooks[k]) : [];
  return set.length ? set.join(', ') : 'none';
}

/** The app's backend hooks (connect, subscribe, publish; timeout; failure policy) and the namespaces' own. */
export function HooksPage() {
  const { appID } = useCurrentApp();
  const hooks = useHooks(appID);
  return (
    <>
      <PageHeader
        title="Hooks"
        description={
          <>
            Your backend decides: Channels asks these URLs, before a <b>client</b> connects, subscribes or
            publishes, on every transport, and the client is refused with your reason when the answer is{' '}
            <Code>{'{"allow": false}'}</Code>. Your backend’s own (admin) tokens are never asked about. To be
            told what happened instead, use{' '}
            <Anchor component={Link} to={`/apps/${encodeURIComponent(appID)}/webhooks`} size="sm">
              Webhooks
            </Anchor>
            .
          </>
        }
      />
      <Stack maw={820}>
        <ApiErrorAlert error={hooks.error} title="The hooks cannot be read" />
        {hooks.isPending ? (
          <Loader aria-label="Loading the hooks" />
        ) : hooks.error ? null : (
          // Keyed by the saved hooks: the form starts again from what admin-api answered.
          <HooksCard key={JSON.stringify(hooks.data.hooks)} appID={appID} hooks={hooks.data.hooks} />
        )}
        <NamespaceHooksCard appID={appID} />
      </Stack>
    </>
  );
}

function HooksCard({ appID, hooks }: { appID: string; hooks: Hooks | null }) {
  const { save, remove } = useHooksMutations(appID);
  const [draft, setDraft] = useState<HooksDraft>(draftOf(hooks));
  const [empty, setEmpty] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!anyHook(draft, APP_HOOKS)) return setEmpty(true);
    setEmpty(false);
    save.mutate(hooksOf(draft, APP_HOOKS), {
      onSuccess: () =>
        notifications.show({ color: 'green', message: 'Hooks saved: every gateway asks them from now on' }),
    });
  };
  const askRemove = () =>
    confirmDestructive({
      title: 'Remove the hooks?',
      message:
        'Your backend is no longer asked: every client connection, subscribe and publish that the other rules allow goes ahead. Namespaces with their own hooks keep them.',
      confirmLabel: 'Remove hooks',
      onConfirm: () =>
        remove.mutate(undefined, {
          onSuccess: () => notifications.show({ message: 'Hooks removed' }),
        }),
    });

  return (
    <Card withBorder>
      {/* noValidate: admin-api checks the URLs and its message is shown under the field. */}
      <form onSubmit={submit} aria-label="App hooks" noValidate>
        <Stack>
          <Group justify="space-between">
            <Title order={2} size="h4">
              The app’s hooks
            </Title>
            <Badge color={hooks ? 'green' : 'gray'} variant="light" role="status" aria-label="Hooks set">
              {hooks ? hooksSummary(hooks) : 'none'}
            </Badge>
          </Group>
          {hooks ? null : (
            <Text size="sm" c="dimmed">
              No hooks: nothing is asked. Set the URLs your backend answers on; set only the ones you need.
            </Text>
          )}
          <HooksFields value={draft} onChange={setDraft} error={save.error} kinds={APP_HOOKS} />
          <Text size="xs" c="dimmed">
            Each call is a POST of JSON signed with the app’s API secret (
            <Code>X-Channels-Signature: sha256=…</Code>
            ); your backend answers 200 with <Code>{'{"allow": true}'}</Code> or{' '}
            <Code>{'{"allow": false, "reason": "…"}'}</Code>.
          </Text>
          {empty ? (
            <Alert color="yellow" role="alert" title="No URL given">
              Give at least one URL. To stop asking your backend, remove the hooks.
            </Alert>
          ) : null}
          <ApiErrorAlert error={save.error} title="Not saved" except={FIELDS} />
          <ApiErrorAlert error={remove.error} title="Not removed" />
          <Group justify="flex-end">
            {hooks ? (
              <Button variant="light" color="red" onClick={askRemove} loading={remove.isPending}>
                Remove hooks
              </Button>
            ) : null}
            <Button type="submit" loading={save.isPending}>
              Save hooks
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** Namespaces whose channels ask their own hooks instead of the app's. */
function NamespaceHooksCard({ appID }: { appID: string }) {
  const namespaces = useNamespaces(appID);
  const own = (namespaces.data?.namespaces ?? []).filter((n) => n.hooks !== null);
  const link = (
    <Anchor component={Link} to={`/apps/${encodeURIComponent(appID)}/namespaces`} size="sm">
      Namespaces
    </Anchor>
  );
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Namespaces with their own hooks
      </Title>
      <ApiErrorAlert error={namespaces.error} title="Namespaces cannot be listed" />
      {namespaces.isPending ? (
        <Loader size="sm" aria-label="Loading namespaces" />
      ) : own.length === 0 ? (
        <Text size="sm" c="dimmed">
          None: every channel asks the app’s hooks above. A namespace can have its own subscribe and publish
          hooks (edit it under {link}).
        </Text>
      ) : (
        <>
          <Text size="sm" c="dimmed" mb="xs">
            Their channels ask these instead of the app’s (edit them under {link}):
          </Text>
          <List aria-label="Namespaces with their own hooks" spacing={4}>
            {own.map((n) => (
              <List.Item key={n.name}>
                <Text size="sm" span fw={600}>
                  {n.name}:…
                </Text>{' '}
                <Text size="sm" span>
                  {n.hooks && (n.hooks.subscribe || n.hooks.publish)
                    ? [
                        n.hooks.subscribe ? `subscribe → ${n.hooks.subscribe.url}` : null,
                        n.hooks.publish ? `publish → ${n.hooks.publish.url}` : null,
                      ]
                        .filter(Boolean)
                        .join(' · ')
                    : 'subscribe and publish ask nothing (the app’s hooks are off for them)'}
                </Text>
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Card>
  );
}
