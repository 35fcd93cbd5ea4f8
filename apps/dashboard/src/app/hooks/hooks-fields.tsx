import { Group, NumberInput, Radio, Stack, TextInput } from '@mantine/core';
import type { Hooks } from '../../api/schema.gen';
import { fieldError } from '../ui/api-error-alert';

export type HookKind = 'connect' | 'subscribe' | 'publish';

/** The hooks being edited: an empty URL is a hook that is not set. */
export interface HooksDraft {
  connect: string;
  subscribe: string;
  publish: string;
  /** null: the default (2000 ms). */
  timeoutMs: number | null;
  onFailure: 'deny' | 'allow';
}

export const HOOK_TIMEOUT_DEFAULT_MS = 2000;

const HOOKS: Record<HookKind, { label: string; description: string }> = {
  connect: {
    label: 'Connect URL',
    description: 'Asked before a client connection is admitted (every transport); may add channels.',
  },
  subscribe: {
    label: 'Subscribe URL',
    description: 'Asked before a client subscribes to a channel.',
  },
  publish: {
    label: 'Publish URL',
    description: 'Asked before a client publishes (socket, /optimized, HTTP); may replace the payload.',
  },
};

export function draftOf(hooks: Hooks | null | undefined): HooksDraft {
  return {
    connect: hooks?.connect?.url ?? '',
    subscribe: hooks?.subscribe?.url ?? '',
    publish: hooks?.publish?.url ?? '',
    timeoutMs: hooks?.timeoutMs ?? null,
    onFailure: hooks?.onFailure ?? 'deny',
  };
}

/** The `Hooks` body of `draft`: the URLs given among `kinds`, the timeout if set, the failure policy. */
export function hooksOf(draft: HooksDraft, kinds: readonly HookKind[]): Hooks {
  const hooks: Hooks = {};
  for (const kind of kinds) {
    const url = draft[kind].trim();
    if (url) hooks[kind] = { url };
  }
  if (draft.timeoutMs !== null) hooks.timeoutMs = draft.timeoutMs;
  hooks.onFailure = draft.onFailure;
  return hooks;
}

/** Whether `draft` sets at least one of `kinds`. */
export const anyHook = (draft: HooksDraft, kinds: readonly HookKind[]) =>
  kinds.some((k) => draft[k].trim() !== '');

/**
 * The URL inputs of `kinds`, the timeout and the failure policy. API errors naming one of them
 * (`connect.url: must be an http(s) URL`; `hooks.timeoutMs: …` with `prefix` `hooks.`) are shown
 * under it.
 */
export function HooksFields({
  value,
  onChange,
  error,
  kinds,
  prefix = '',
}: {
  value: HooksDraft;
  onChange: (v: HooksDraft) => void;
  error: unknown;
  kinds: readonly HookKind[];
  prefix?: string;
}) {
  const set = <K extends keyof HooksDraft>(key: K, v: HooksDraft[K]) => onChange({ ...value, [key]: v });
  return (
    <Stack gap="sm">
      {kinds.map((kind) => (
        <TextInput
          key={kind}
          type="url"
          label={HOOKS[kind].label}
          description={HOOKS[kind].description}
          placeholder="https://backend.example/channels/…  (empty: not asked)"
          value={value[kind]}
          onChange={(e) => set(kind, e.currentTarget.value)}
          error={fieldError(error, `${prefix}${kind}.url`) ?? fieldError(error, `${prefix}${kind}`)}
        />
      ))}
      <Group align="flex-start" wrap="wrap" gap="lg">
        <NumberInput
          label="Timeout (ms)"
          description={`50–30000; empty: ${HOOK_TIMEOUT_DEFAULT_MS}.`}
          placeholder={String(HOOK_TIMEOUT_DEFAULT_MS)}
          allowDecimal={false}
          allowNegative={false}
          value={value.timeoutMs ?? ''}
          onChange={(v) => set('timeoutMs', typeof v === 'number' ? v : v.trim() === '' ? null : Number(v))}
          error={fieldError(error, `${prefix}timeoutMs`)}
          w={200}
        />
        <Radio.Group
          label="When a call fails"
          description="No answer in time, unreachable, a status other than 200, or not {allow}."
          value={value.onFailure}
          onChange={(v) => set('onFailure', v === 'allow' ? 'allow' : 'deny')}
          error={fieldError(error, `${prefix}onFailure`)}
        >
          <Group mt={6}>
            <Radio value="deny" label="Deny the client" />
            <Radio value="allow" label="Allow the client" />
          </Group>
        </Radio.Group>
      </Group>
    </Stack>
  );
}
