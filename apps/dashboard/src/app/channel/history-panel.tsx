import { Alert, Button, Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { Channel } from '../../api/schema.gen';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { Pager, useCursorPages } from '../ui/pager';
import { type HistoryQuery, useHistory } from './channel.queries';
import { EventsTable } from './events-table';

type Mode = 'newest' | 'range' | 'offset';

/** `datetime-local` value (the viewer's time zone) → unix ms; empty → undefined. */
const toMs = (v: string): number | undefined => (v ? new Date(v).getTime() : undefined);

/**
 * The channel's stored events: newest first, within a time range, or after an offset — paged with
 * the API's cursor (pages never overlap or skip events while the query stays the same).
 */
export function HistoryPanel({ channel }: { channel: Channel }) {
  const [mode, setMode] = useState<Mode>('newest');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [offset, setOffset] = useState<number | string>('');
  const [applied, setApplied] = useState<Omit<HistoryQuery, 'cursor' | 'limit'>>({ order: 'desc' });
  const pages = useCursorPages(50);
  const history = useHistory(
    channel.appID,
    channel.channelID,
    { ...applied, cursor: pages.cursor, limit: pages.pageSize },
    channel.persistent,
  );

  if (!channel.persistent) {
    return (
      <Alert color="gray" title="No history">
        This channel is not persistent: its events are delivered live and not stored. Turn on “Persistent”
        with “Edit settings” to keep the events published from then on.
      </Alert>
    );
  }

  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    if (mode === 'newest') setApplied({ order: 'desc' });
    else if (mode === 'range') setApplied({ since: toMs(since), until: toMs(until), order: 'desc' });
    else setApplied({ sinceOffset: typeof offset === 'number' ? offset : 0, order: 'asc' });
    pages.reset();
  };

  const events = history.data?.events ?? [];
  return (
    <Stack>
      <form onSubmit={apply} aria-label="History query">
        <Group align="flex-end" wrap="wrap">
          <Stack gap={2}>
            <Text size="sm" fw={500} id="history-mode">
              Show
            </Text>
            <SegmentedControl
              aria-labelledby="history-mode"
              value={mode}
              onChange={(v) => setMode(v as Mode)}
              data={[
                { value: 'newest', label: 'Newest first' },
                { value: 'range', label: 'Time range' },
                { value: 'offset', label: 'After offset' },
              ]}
            />
          </Stack>
          {mode === 'range' ? (
            <>
              <TextInput
                type="datetime-local"
                label="From"
                step={1}
                value={since}
                onChange={(e) => setSince(e.currentTarget.value)}
              />
              <TextInput
                type="datetime-local"
                label="To"
                step={1}
                value={until}
                onChange={(e) => setUntil(e.currentTarget.value)}
              />
            </>
          ) : null}
          {mode === 'offset' ? (
            <NumberInput
              label="After offset"
              description="Oldest first, from the next offset."
              min={0}
              allowDecimal={false}
              value={offset}
              onChange={setOffset}
            />
          ) : null}
          <Button type="submit">Show events</Button>
          <Button variant="default" onClick={() => void history.refetch()} loading={history.isFetching}>
            Refresh
          </Button>
        </Group>
      </form>
      <ApiErrorAlert error={history.error} title="History cannot be read" />
      {history.data ? (
        events.length === 0 && pages.page === 1 ? (
          <Text size="sm" c="dimmed">
            No stored events match. Publish a test event from the Publish tab, or widen the range.
          </Text>
        ) : (
          <>
            <EventsTable events={events} label="History" />
            <Pager pages={pages} nextCursor={history.data.nextCursor} label="events" count={events.length} />
          </>
        )
      ) : null}
      {history.data ? (
        <Text size="xs" c="dimmed">
          Epoch {history.data.epoch}
        </Text>
      ) : null}
    </Stack>
  );
}
