import { Code, Table } from '@mantine/core';
import type { Event } from '../../api/schema.gen';
import { formatPayload, formatTime } from '../ui/format';

/** Channel events, one row each: offset, time, type, sender and payload. */
export function EventsTable({ events, label }: { events: Event[]; label: string }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped aria-label={label} verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Offset</Table.Th>
            <Table.Th>Time</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Sender</Table.Th>
            <Table.Th>Payload</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((e) => (
            <Table.Tr key={`${e.id}-${e.offset ?? ''}`}>
              <Table.Td>{e.offset ?? '—'}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(e.timestamp)}</Table.Td>
              <Table.Td>{e.eventType}</Table.Td>
              <Table.Td>{e.senderID || '—'}</Table.Td>
              <Table.Td>
                <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                  {formatPayload(e.payload)}
                </Code>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
