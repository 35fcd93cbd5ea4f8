import { Anchor, Breadcrumbs, Button, Loader, Tabs, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useCurrentApp } from '../apps/current-app';
import { askDeleteChannel, toggleClosed } from '../channels/channel-actions';
import { ChannelBadges } from '../channels/channel-badges';
import { ChannelFormModal } from '../channels/channel-form-modal';
import { namespaceOf } from '../channels/channel-names';
import { useChannel, useChannelMutations } from '../channels/channels.queries';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { formatRetention, formatTime } from '../ui/format';
import { PageHeader } from '../ui/page-header';
import { HistoryPanel } from './history-panel';
import { LivePanel } from './live-panel';
import { MembersPanel } from './members-panel';
import { PublishPanel } from './publish-panel';

/** One channel: its settings, live tail and presence, history, members, and a test publish. */
export function ChannelPage() {
  const { appID } = useCurrentApp();
  const channelID = useParams()['channelID'] ?? '';
  const navigate = useNavigate();
  const channel = useChannel(appID, channelID);
  const mutations = useChannelMutations(appID);
  const [editing, setEditing] = useState(false);
  const channelsPath = `/apps/${encodeURIComponent(appID)}/channels`;

  const crumbs = (
    <Breadcrumbs mb="sm" aria-label="Breadcrumb">
      <Anchor component={Link} to={channelsPath}>
        Channels
      </Anchor>
      <Text span>{channelID}</Text>
    </Breadcrumbs>
  );
  if (channel.isPending) return <Loader aria-label="Loading the channel" />;
  if (channel.error) {
    return (
      <>
        {crumbs}
        <ApiErrorAlert error={channel.error} title={`Channel ${channelID} cannot be shown`} />
      </>
    );
  }
  const c = channel.data;
  const namespace = namespaceOf(c.channelID);
  return (
    <>
      {crumbs}
      <PageHeader
        title={c.name ? `${c.name} (${c.channelID})` : c.channelID}
        description={
          <>
            <ChannelBadges channel={c} />
            <Text span size="xs" c="dimmed">
              Created {formatTime(c.createdAt)} · ack mode {c.effectiveAckMode}
              {c.ackMode === null ? ' (the app’s)' : ''}
              {c.persistent ? ` · history: ${formatRetention(c.historySize, c.historyTTLSeconds)}` : ''}
              {c.presence ? ` · join/leave ${c.joinLeave ? 'announced' : 'not announced'}` : ''}
            </Text>
            {c.autoCreated && namespace ? (
              <Text span size="xs" c="dimmed" display="block">
                Made on first use; follows namespace{' '}
                <Anchor component={Link} to={`/apps/${encodeURIComponent(appID)}/namespaces`} size="xs">
                  {namespace}
                </Anchor>{' '}
                until its settings are changed here.
              </Text>
            ) : null}
          </>
        }
        actions={
          <>
            <Button variant="default" onClick={() => setEditing(true)}>
              Edit settings
            </Button>
            <Button variant="default" onClick={() => toggleClosed(c, mutations)}>
              {c.isClosed ? 'Reopen' : 'Close'}
            </Button>
            <Button
              color="red"
              variant="light"
              onClick={() => askDeleteChannel(c, mutations, () => void navigate(channelsPath))}
            >
              Delete
            </Button>
          </>
        }
      />
      {/* Panels stay mounted with their effects running (hidden with display: none, not React's
          Activity), so that the live tail keeps its subscription while another tab is open. */}
      <Tabs defaultValue="live" keepMounted keepMountedMode="display-none">
        <Tabs.List mb="md">
          <Tabs.Tab value="live">Live</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
          <Tabs.Tab value="members">Members</Tabs.Tab>
          <Tabs.Tab value="publish">Publish</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="live">
          <LivePanel channel={c} />
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <HistoryPanel channel={c} />
        </Tabs.Panel>
        <Tabs.Panel value="members">
          <MembersPanel channel={c} />
        </Tabs.Panel>
        <Tabs.Panel value="publish">
          <PublishPanel channel={c} />
        </Tabs.Panel>
      </Tabs>
      <ChannelFormModal
        appID={appID}
        opened={editing}
        onClose={() => setEditing(false)}
        channel={c}
        onSaved={() => notifications.show({ color: 'green', message: `Channel ${c.channelID} saved` })}
      />
    </>
  );
}
