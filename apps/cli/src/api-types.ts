/** The `/v1` answers the CLI reads (docs/admin-api.md); it prints them unchanged with `--json`. */
import type { ChannelEvent } from '@channels/contracts';

export type {
  App,
  Channel,
  ChannelEvent,
  Client,
  Namespace,
  PublishAck as PublishResult,
} from '@channels/contracts';

export interface HistoryPage {
  events: ChannelEvent[];
  epoch: string;
  nextCursor: string | null;
}
export interface GatewaySummary {
  gatewayID: string;
  connections: number;
  subscriptions: number;
  updatedAt: number;
}
export interface AppStats {
  appID: string;
  connections: number;
  subscriptions: number;
  activeChannels: number;
  gateways: GatewaySummary[];
}
export interface ClusterStats {
  connections: number;
  subscriptions: number;
  gateways: GatewaySummary[];
  apps: { appID: string; connections: number; subscriptions: number; activeChannels: number }[];
}
