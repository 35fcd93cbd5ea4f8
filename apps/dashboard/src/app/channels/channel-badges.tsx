import { Badge, Group } from '@mantine/core';
import type { Channel } from '../../api/schema.gen';

/** A channel's settings at a glance. */
export function ChannelBadges({ channel }: { channel: Channel }) {
  return (
    <Group gap={4} wrap="wrap">
      <Badge variant="light" color={channel.private ? 'grape' : 'blue'}>
        {channel.private ? 'private' : 'open'}
      </Badge>
      {channel.persistent ? <Badge variant="light">persistent</Badge> : null}
      {channel.presence ? (
        <Badge variant="light" color="teal">
          presence
        </Badge>
      ) : null}
      {channel.clientPublish ? null : (
        <Badge variant="light" color="gray">
          backend publishes only
        </Badge>
      )}
      {channel.autoCreated ? (
        <Badge variant="outline" color="cyan">
          auto-created
        </Badge>
      ) : null}
      {channel.isClosed ? (
        <Badge variant="filled" color="red">
          closed
        </Badge>
      ) : null}
    </Group>
  );
}
