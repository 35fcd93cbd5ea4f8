import { Alert, Badge, Button, Card, Code, Grid, Group, List, Stack, Text, Title } from '@mantine/core';
import { useId } from 'react';
import type { Channel } from '../../api/schema.gen';
import { useLiveChannel } from '../../live/use-live-channel';
import { useDashboardConfig } from '../config';
import { useSession } from '../session/session';
import { formatTime } from '../ui/format';
import { EventsTable } from './events-table';

const STATE_COLOR = { connected: 'green', connecting: 'yellow', disconnected: 'gray' } as const;

/** Live presence and a live tail of the channel's events, through the gateways. */
export function LivePanel({ channel }: { channel: Channel }) {
  const session = useSession();
  const config = useDashboardConfig();
  const live = useLiveChannel({
    url: config.isPending ? undefined : (config.data?.gatewayURL ?? ''),
    appID: channel.appID,
    channelID: channel.channelID,
    token: session.token,
  });
  const online = [...live.presence.entries()].sort(([a], [b]) => a.localeCompare(b));
  /** The identity of this dashboard's own connection: a subscriber too, so it is online here. */
  const me = session.identity.clientID;
  const presenceTitle = useId();

  return (
    <Stack>
      <Group gap="sm">
        <Badge
          color={STATE_COLOR[live.state]}
          variant="dot"
          size="lg"
          role="status"
          aria-label="Live connection"
        >
          {live.state === 'connected' ? (live.subscribed ? 'Live' : 'Subscribing…') : live.state}
        </Badge>
        {live.error ? (
          <Text size="sm" c="red" role="alert">
            <Code>{live.error.code}</Code> {live.error.message}
          </Text>
        ) : null}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder>
            <Group justify="space-between" mb="sm" wrap="wrap">
              <Title order={2} size="h4">
                Live tail
              </Title>
              <Group gap="xs">
                {live.paused && live.held > 0 ? (
                  <Badge color="yellow" aria-live="polite">
                    {live.held} new while paused
                  </Badge>
                ) : null}
                <Button size="xs" variant="default" onClick={() => live.setPaused(!live.paused)}>
                  {live.paused ? 'Resume' : 'Pause'}
                </Button>
                <Button size="xs" variant="subtle" onClick={live.clear} disabled={live.events.length === 0}>
                  Clear
                </Button>
              </Group>
            </Group>
            {live.events.length === 0 ? (
              <Text size="sm" c="dimmed">
                Events published on this channel appear here as they happen, newest first. Publish a test
                event from the Publish tab, or from any client.
              </Text>
            ) : (
              <EventsTable events={live.events} label="Live events" />
            )}
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder component="section" aria-labelledby={presenceTitle}>
            <Title order={2} size="h4" mb="sm" id={presenceTitle}>
              Presence
            </Title>
            {!channel.presence ? (
              <Alert color="gray">
                Presence is off for this channel. Turn it on with “Edit settings” to see who is online.
              </Alert>
            ) : online.length === 0 ? (
              <Text size="sm" c="dimmed">
                Nobody is online. Clients appear here when they subscribe.
              </Text>
            ) : (
              <List listStyleType="none" spacing={6} aria-label="Presence">
                {online.map(([clientID, s]) => (
                  <List.Item key={clientID}>
                    <Group gap="xs" wrap="nowrap">
                      <Badge color={s.status ? 'green' : 'gray'} variant="dot">
                        {s.status ? 'online' : 'offline'}
                      </Badge>
                      <Text size="sm" fw={600}>
                        {clientID}
                      </Text>
                      {clientID === me ? (
                        <Text size="xs" c="dimmed">
                          (this dashboard)
                        </Text>
                      ) : null}
                    </Group>
                    <Text size="xs" c="dimmed" ml="lg">
                      {s.status ? 'since' : 'left'} {formatTime(s.timestamp)}
                    </Text>
                  </List.Item>
                ))}
              </List>
            )}
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
