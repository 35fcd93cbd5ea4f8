import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  DataList,
  Drawer,
  EmptyState,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { toApiError } from '../../api/api-error';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../../api/schema.gen';
import { channelLink } from '../channels/channel-names';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { formatTime } from '../ui/format';
import { Pager, useCursorPages } from '../ui/pager';
import { DELIVERIES_REFRESH_MS, useDeliveries, useWebhookMutations } from './webhooks.queries';

type Attempt = WebhookDelivery['attempts'][number];

const STATUS_COLOR: Record<WebhookDeliveryStatus, string> = {
  pending: 'yellow',
  delivered: 'green',
  failed: 'red',
};

const FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'failed', label: 'Failed' },
];

/** One attempt in words: the receiver's answer or why it failed, and how long it took. */
export function attemptText(a: Attempt): string {
  const answer = a.error ?? (a.statusCode !== undefined ? `answered HTTP ${a.statusCode}` : 'no answer');
  return `${answer} · ${a.durationMs} ms`;
}

/** The body sent, indented when it is JSON. */
function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** The app's recent webhook deliveries: status filter, paging, attempts, retry of failed ones. */
export function DeliveriesSection({ appID, webhooksOn }: { appID: string; webhooksOn: boolean }) {
  const [filter, setFilter] = useState('all');
  const status = filter === 'all' ? undefined : (filter as WebhookDeliveryStatus);
  const pages = useCursorPages(25);
  const { reset } = pages;
  useEffect(() => reset(), [filter, reset]);
  const deliveries = useDeliveries(appID, { status, cursor: pages.cursor, limit: pages.pageSize });
  const { retry } = useWebhookMutations(appID);
  const [shown, setShown] = useState<WebhookDelivery | null>(null);

  const doRetry = (d: WebhookDelivery) =>
    retry.mutate(d.id, {
      onSuccess: (r) => {
        notifications.show({
          color: 'green',
          message: `Delivery ${d.type} #${d.sequence} is sent again (now ${r.status}), with the same id and body`,
        });
        setShown((s) => (s?.id === r.id ? r : s));
      },
    });

  const list = deliveries.data?.deliveries ?? [];
  // The drawer follows the delivery as the list is read again.
  const details = shown ? (list.find((d) => d.id === shown.id) ?? shown) : null;
  const retryError = retry.error ? toApiError(retry.error) : null;
  return (
    <Card withBorder>
      <Stack>
        <Group justify="space-between" wrap="wrap" align="flex-end">
          <Stack gap={2}>
            <Title order={2} size="h4">
              Recent deliveries
            </Title>
            <Text size="xs" c="dimmed">
              Newest first, each with its attempts; read again every {DELIVERIES_REFRESH_MS / 1000} s. A
              webhook is listed once its first attempt started.
            </Text>
          </Stack>
          <Group gap="xs" align="flex-end">
            <Stack gap={2}>
              <Text size="xs" fw={600} id="delivery-status-filter">
                Status
              </Text>
              <SegmentedControl
                size="xs"
                aria-labelledby="delivery-status-filter"
                value={filter}
                onChange={setFilter}
                data={FILTERS}
              />
            </Stack>
            <Button
              size="xs"
              variant="default"
              onClick={() => void deliveries.refetch()}
              loading={deliveries.isFetching && !deliveries.isPending}
            >
              Refresh
            </Button>
          </Group>
        </Group>
        {retryError ? (
          <Alert color="red" title="Not retried" role="alert" withCloseButton onClose={() => retry.reset()}>
            <Text size="sm">
              <Code>{retryError.code}</Code> {retryError.message}
            </Text>
            {retryError.code === 'conflict' ? (
              <Text size="sm" mt="xs">
                Only failed deliveries can be retried. A pending one is still being sent or waits for its next
                attempt; a delivered one was answered with a 2xx. The list has been read again.
              </Text>
            ) : null}
          </Alert>
        ) : null}
        <ApiErrorAlert error={deliveries.error} title="Deliveries cannot be listed" />
        {deliveries.isPending ? (
          <Loader aria-label="Loading deliveries" />
        ) : list.length === 0 && pages.page === 1 ? (
          <EmptyState
            title={status ? `No ${status} deliveries` : 'No deliveries yet'}
            description={
              !webhooksOn && !status
                ? 'Webhooks are off. Set a URL and the types above and turn them on; what happens in the app is then sent and listed here.'
                : status === 'failed'
                  ? 'Nothing failed for good: every webhook was delivered or is still being tried.'
                  : status
                    ? 'Choose “All” to see every delivery.'
                    : 'Nothing has been sent yet. Add a member to a channel (member_added) or subscribe a client to one (channel_occupied), and its webhook appears here.'
            }
            mt="md"
          />
        ) : (
          <>
            <Table.ScrollContainer minWidth={820}>
              <Table striped aria-label="Deliveries">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>Channel</Table.Th>
                    <Table.Th>Client</Table.Th>
                    <Table.Th>Seq.</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                    <Table.Th>First attempt</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>Actions</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td>
                        <Badge color={STATUS_COLOR[d.status]} variant="light">
                          {d.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Code>{d.type}</Code>
                      </Table.Td>
                      <Table.Td>
                        {d.channelID ? (
                          <Anchor component={Link} to={channelLink(appID, d.channelID)} size="sm">
                            {d.channelID}
                          </Anchor>
                        ) : (
                          <Text c="dimmed">—</Text>
                        )}
                      </Table.Td>
                      <Table.Td>{d.clientID ?? <Text c="dimmed">—</Text>}</Table.Td>
                      <Table.Td>{d.sequence}</Table.Td>
                      <Table.Td maw={320}>
                        <AttemptsSummary attempts={d.attempts} />
                      </Table.Td>
                      <Table.Td>{formatTime(d.createdAt)}</Table.Td>
                      <Table.Td>
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="default"
                            onClick={() => setShown(d)}
                            aria-label={`Details of delivery ${d.id}`}
                          >
                            Details
                          </Button>
                          {d.status === 'failed' ? (
                            <Button
                              size="xs"
                              variant="light"
                              color="orange"
                              onClick={() => doRetry(d)}
                              loading={retry.isPending && retry.variables === d.id}
                              aria-label={`Retry delivery ${d.id}`}
                            >
                              Retry
                            </Button>
                          ) : null}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager
              pages={pages}
              nextCursor={deliveries.data?.nextCursor}
              label="deliveries"
              count={list.length}
            />
          </>
        )}
      </Stack>
      <Drawer
        opened={details !== null}
        onClose={() => setShown(null)}
        title={details ? `Delivery ${details.type} #${details.sequence}` : ''}
        position="right"
        size="lg"
      >
        {details ? (
          <DeliveryDetails
            delivery={details}
            onRetry={() => doRetry(details)}
            retrying={retry.isPending && retry.variables === details.id}
          />
        ) : null}
      </Drawer>
    </Card>
  );
}

function AttemptsSummary({ attempts }: { attempts: Attempt[] }) {
  const last = attempts.at(-1);
  if (!last) return <Text size="xs">none yet</Text>;
  return (
    <Stack gap={0}>
      <Text size="xs" fw={600}>
        {attempts.length} {attempts.length === 1 ? 'attempt' : 'attempts'}
      </Text>
      <Text size="xs" c="dimmed" truncate="end" title={attemptText(last)}>
        last: {attemptText(last)}
      </Text>
    </Stack>
  );
}

function DeliveryDetails({
  delivery: d,
  onRetry,
  retrying,
}: {
  delivery: WebhookDelivery;
  onRetry: () => void;
  retrying: boolean;
}) {
  return (
    <Stack>
      <DataList>
        <DataList.Item>
          <DataList.ItemLabel>Status</DataList.ItemLabel>
          <DataList.ItemValue>
            <Badge color={STATUS_COLOR[d.status]} variant="light">
              {d.status}
            </Badge>
          </DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Id</DataList.ItemLabel>
          <DataList.ItemValue>
            <Code>{d.id}</Code>
          </DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Channel</DataList.ItemLabel>
          <DataList.ItemValue>{d.channelID ?? '—'}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Client</DataList.ItemLabel>
          <DataList.ItemValue>{d.clientID ?? '—'}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Sequence</DataList.ItemLabel>
          <DataList.ItemValue>{d.sequence}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Last change</DataList.ItemLabel>
          <DataList.ItemValue>{formatTime(d.updatedAt)}</DataList.ItemValue>
        </DataList.Item>
      </DataList>
      {d.status === 'failed' ? (
        <Group>
          <Button color="orange" variant="light" onClick={onRetry} loading={retrying}>
            Retry this delivery
          </Button>
          <Text size="xs" c="dimmed">
            Sent again with the same id and body, with a fresh set of attempts.
          </Text>
        </Group>
      ) : null}
      <Title order={3} size="h5">
        Attempts
      </Title>
      {d.attempts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No attempt yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table aria-label="Attempts" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Answer</Table.Th>
                <Table.Th>Error</Table.Th>
                <Table.Th>Duration</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.attempts.map((a, i) => (
                <Table.Tr key={`${a.at}-${i}`}>
                  <Table.Td>{i + 1}</Table.Td>
                  <Table.Td>{formatTime(a.at)}</Table.Td>
                  <Table.Td>{a.statusCode !== undefined ? `HTTP ${a.statusCode}` : '—'}</Table.Td>
                  <Table.Td>{a.error ?? '—'}</Table.Td>
                  <Table.Td>{a.durationMs} ms</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Title order={3} size="h5">
        Body sent
      </Title>
      <Code block aria-label="Body sent">
        {prettyBody(d.body)}
      </Code>
    </Stack>
  );
}
