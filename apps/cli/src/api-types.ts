/** The `/v1` answers the CLI reads (docs/admin-api.md); it prints them unchanged with `--json`. */
export interface App {
  appID: string;
  name: string;
  createdAt: number;
}
export interface Client {
  appID: string;
  clientID: string;
  username: string;
  extra: string;
  createdAt: number;
}
export interface Channel {
  appID: string;
  channelID: string;
  name: string;
  persistent: boolean;
  private: boolean;
  presence: boolean;
  isClosed: boolean;
  extra: string;
  createdAt: number;
}
export interface ChannelEvent {
  id: string;
  channelID: string;
  offset?: number;
  epoch?: string;
  eventType: string;
  payload: unknown;
  senderID: string;
  timestamp: number;
}
export interface PublishResult {
  id: string;
  offset?: number;
  epoch?: string;
  timestamp: number;
}
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
