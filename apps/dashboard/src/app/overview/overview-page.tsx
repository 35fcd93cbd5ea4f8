// The charts' styles load with this page's chunk (only the overview draws charts).
import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useId } from 'react';
import { Link } from 'react-router';
import { useCurrentApp } from '../apps/current-app';
import { channelLink } from '../channels/channel-names';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { PageHeader } from '../ui/page-header';
import { useActiveChannels, useAppStats } from './overview.queries';
import { gatewaySeries, type Sample, useStatsHistory } from './stats-history';

const COLORS = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'red.6', 'lime.7', 'pink.6'];

function StatCard({ label, value }: { label: string; value: number | undefined }) {
  const id = useId();
  return (
    <Card withBorder padding="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} id={id}>
        {label}
      </Text>
      <Text fz={32} fw={700} aria-labelledby={id} role="status">
        {value ?? '—'}
      </Text>
    </Card>
  );
}

function GatewayChart({
  title,
  samples,
  metric,
  unit,
}: {
  title: string;
  samples: Sample[];
  metric: 'connections' | 'subscriptions' | 'eventsPerSecond';
  unit?: string;
}) {
  const { rows, gateways } = gatewaySeries(samples, metric);
  return (
    <Card withBorder padding="md">
      <Title order={2} size="h5" mb="xs">
        {title}
      </Title>
      {rows.length < 2 || gateways.length === 0 ? (
        <Text size="sm" c="dimmed" h={160}>
          {gateways.length === 0 && rows.length > 0
            ? 'No gateway has a connection of this app right now.'
            : 'Collecting samples…'}
        </Text>
      ) : (
        <LineChart
          h={160}
          data={rows}
          dataKey="time"
          series={gateways.map((g, i) => ({ name: g, color: COLORS[i % COLORS.length] }))}
          withDots={false}
          curveType="linear"
          withLegend
          unit={unit}
          aria-label={`${title} chart`}
          role="img"
        />
      )}
    </Card>
  );
}

/** The app at a glance: live connections, subscriptions, active channels and events per gateway. */
export function OverviewPage() {
  const app = useCurrentApp();
  const stats = useAppStats(app.appID);
  const active = useActiveChannels(app.appID);
  const samples = useStatsHistory(stats.data, stats.dataUpdatedAt);
  const top = [...(active.data?.channels ?? [])].sort((a, b) => b.subscribers - a.subscribers).slice(0, 10);

  return (
    <>
      <PageHeader
        title={app.name ? `${app.name} (${app.appID})` : app.appID}
        description="Live figures from the gateways’ reports, refreshed every 5 seconds; charts cover the last 5 minutes on this page."
      />
      <ApiErrorAlert error={stats.error} title="Statistics cannot be read" />
      <SimpleGrid cols={{ base: 1, xs: 3 }} mb="md">
        <StatCard label="Connections" value={stats.data?.connections} />
        <StatCard label="Subscriptions" value={stats.data?.subscriptions} />
        <StatCard label="Active channels" value={stats.data?.activeChannels} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }} mb="md">
        <GatewayChart title="Connections per gateway" samples={samples} metric="connections" />
        <GatewayChart title="Subscriptions per gateway" samples={samples} metric="subscriptions" />
        <GatewayChart
          title="Events per second per gateway"
          samples={samples}
          metric="eventsPerSecond"
          unit="/s"
        />
        <Card withBorder padding="md">
          <Title order={2} size="h5" mb="xs">
            Active channels
          </Title>
          {samples.length < 2 ? (
            <Text size="sm" c="dimmed" h={160}>
              Collecting samples…
            </Text>
          ) : (
            <LineChart
              h={160}
              data={samples.map((s) => ({ time: s.time, 'active channels': s.activeChannels }))}
              dataKey="time"
              series={[{ name: 'active channels', color: 'indigo.6' }]}
              withDots={false}
              curveType="linear"
              aria-label="Active channels chart"
              role="img"
            />
          )}
        </Card>
      </SimpleGrid>
      <Card withBorder padding="md">
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={2} size="h5">
              Busiest channels now
            </Title>
            <Anchor component={Link} to="channels" size="sm">
              All channels
            </Anchor>
          </Group>
          <ApiErrorAlert error={active.error} />
          {top.length === 0 ? (
            <Text size="sm" c="dimmed">
              No channel has a subscriber right now. Channels appear here while clients are subscribed to
              them.
            </Text>
          ) : (
            <Table aria-label="Busiest channels">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th>Subscribers</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {top.map((c) => (
                  <Table.Tr key={c.channelID}>
                    <Table.Td>
                      <Anchor component={Link} to={channelLink(app.appID, c.channelID)}>
                        {c.channelID}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{c.subscribers}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </Card>
    </>
  );
}
