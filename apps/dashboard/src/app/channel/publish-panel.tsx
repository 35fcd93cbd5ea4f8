import { Alert, Button, Code, Group, JsonInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { Channel } from '../../api/schema.gen';
import { ApiErrorAlert, fieldError } from '../ui/api-error-alert';
import { formatTime } from '../ui/format';
import { usePublish } from './channel.queries';

const NOT_JSON = 'The payload must be JSON (a string needs quotes: "hello").';

/** Publishes a test event over HTTP: the same path as a client's publish (offset, storage, fan-out). */
export function PublishPanel({ channel }: { channel: Channel }) {
  const publish = usePublish(channel.appID, channel.channelID);
  const [eventType, setEventType] = useState('test');
  const [payload, setPayload] = useState('{\n  "text": "Hello from the dashboard"\n}');
  const [id, setId] = useState('');
  const [payloadError, setPayloadError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(payload) as unknown;
    } catch {
      setPayloadError(NOT_JSON);
      return;
    }
    setPayloadError(null);
    publish.mutate({ eventType, payload: value, ...(id.trim() ? { id: id.trim() } : {}) });
  };

  return (
    <form onSubmit={submit} aria-label="Publish a test event">
      <Stack maw={640}>
        {channel.isClosed ? (
          <Alert color="yellow">This channel is closed: publishing is refused until it is reopened.</Alert>
        ) : null}
        <TextInput
          label="Event type"
          required
          value={eventType}
          onChange={(e) => setEventType(e.currentTarget.value)}
          error={fieldError(publish.error, 'eventType')}
        />
        <JsonInput
          label="Payload"
          description="Any JSON value."
          required
          autosize
          minRows={4}
          maxRows={16}
          formatOnBlur
          validationError={NOT_JSON}
          value={payload}
          onChange={setPayload}
          error={payloadError ?? fieldError(publish.error, 'payload')}
        />
        <TextInput
          label="Idempotency ID"
          description="Optional: publishing the same ID again stores nothing new."
          value={id}
          onChange={(e) => setId(e.currentTarget.value)}
          error={fieldError(publish.error, 'id')}
        />
        <ApiErrorAlert error={publish.error} title="Not published" except={['eventType', 'payload', 'id']} />
        {publish.data ? (
          <Alert color="green" title="Published" role="status">
            <Text size="sm">
              ID <Code>{publish.data.id}</Code>
              {publish.data.offset !== undefined ? (
                <>
                  , offset <Code>{publish.data.offset}</Code>
                </>
              ) : null}{' '}
              at {formatTime(publish.data.timestamp)}
            </Text>
          </Alert>
        ) : null}
        <Group>
          <Button type="submit" loading={publish.isPending}>
            Publish
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
