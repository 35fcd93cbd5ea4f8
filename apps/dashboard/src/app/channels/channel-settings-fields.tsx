import { Fieldset, NumberInput, SimpleGrid, Stack, Switch } from '@mantine/core';
import { fieldError } from '../ui/api-error-alert';
import { formatSeconds } from '../ui/format';

/** The settings a channel has and a namespace gives its channels (docs/backends.md, "Settings"). */
export interface ChannelSettings {
  persistent: boolean;
  private: boolean;
  presence: boolean;
  clientPublish: boolean;
  joinLeave: boolean;
  /** null: the deployment default; 0: every event. */
  historySize: number | null;
  /** null: the deployment default; 0: no age limit. */
  historyTTLSeconds: number | null;
}

/** What `/v1` takes when a setting is left out. */
export const DEFAULT_CHANNEL_SETTINGS: ChannelSettings = {
  persistent: false,
  private: false,
  presence: false,
  clientPublish: true,
  joinLeave: true,
  historySize: null,
  historyTTLSeconds: null,
};

/** The request fields of `ChannelSettings` (their API errors are shown under the field). */
export const CHANNEL_SETTING_FIELDS: (keyof ChannelSettings)[] = [
  'persistent',
  'private',
  'presence',
  'clientPublish',
  'joinLeave',
  'historySize',
  'historyTTLSeconds',
];

export const settingsOf = (s: ChannelSettings): ChannelSettings => ({
  persistent: s.persistent,
  private: s.private,
  presence: s.presence,
  clientPublish: s.clientPublish,
  joinLeave: s.joinLeave,
  historySize: s.historySize,
  historyTTLSeconds: s.historyTTLSeconds,
});

const SWITCHES: { key: keyof ChannelSettings; label: string; description: string }[] = [
  {
    key: 'persistent',
    label: 'Persistent',
    description: 'Events are stored and can be read back as history.',
  },
  {
    key: 'private',
    label: 'Private',
    description: 'Only members may subscribe and publish; open channels accept every client of the app.',
  },
  {
    key: 'presence',
    label: 'Presence',
    description: 'Subscribers are told who is online and who comes and goes.',
  },
  {
    key: 'clientPublish',
    label: 'Clients may publish',
    description: 'Off: only your backend (admin tokens, the API) publishes; clients only listen.',
  },
  {
    key: 'joinLeave',
    label: 'Join and leave',
    description: 'On a presence channel, subscribers hear members being added and removed.',
  },
];

/** A nullable count from a NumberInput: empty is null (the deployment default). */
const countOf = (v: number | string): number | null =>
  typeof v === 'number' ? v : v.trim() === '' ? null : Number(v);

/**
 * The switches and retention inputs of `ChannelSettings`. API errors naming one of them
 * (`historySize: must be at least 0`) are shown under it.
 */
export function ChannelSettingsFields({
  value,
  onChange,
  error,
}: {
  value: ChannelSettings;
  onChange: (v: ChannelSettings) => void;
  error: unknown;
}) {
  const set = <K extends keyof ChannelSettings>(key: K, v: ChannelSettings[K]) =>
    onChange({ ...value, [key]: v });
  const ttl = value.historyTTLSeconds;
  return (
    <Stack gap="sm">
      {SWITCHES.map((s) => (
        <Switch
          key={s.key}
          label={s.label}
          description={s.description}
          checked={value[s.key] as boolean}
          onChange={(e) => set(s.key, e.currentTarget.checked)}
          error={fieldError(error, s.key)}
        />
      ))}
      <Fieldset legend="History retention" variant="filled">
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <NumberInput
            label="History size"
            description="Keep at most this many newest events (0: all). Empty: the deployment default."
            placeholder="Deployment default"
            allowDecimal={false}
            allowNegative={false}
            value={value.historySize ?? ''}
            onChange={(v) => set('historySize', countOf(v))}
            error={fieldError(error, 'historySize')}
          />
          <NumberInput
            label="History TTL (seconds)"
            description={
              ttl !== null && ttl > 0
                ? `Delete events older than ${formatSeconds(ttl)}.`
                : 'Delete events older than this (0: never). Empty: the deployment default.'
            }
            placeholder="Deployment default"
            allowDecimal={false}
            allowNegative={false}
            value={ttl ?? ''}
            onChange={(v) => set('historyTTLSeconds', countOf(v))}
            error={fieldError(error, 'historyTTLSeconds')}
          />
        </SimpleGrid>
      </Fieldset>
    </Stack>
  );
}
