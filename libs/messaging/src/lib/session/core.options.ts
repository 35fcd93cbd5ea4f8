/** What the realtime core needs of the gateway's settings. */
export interface RealtimeCoreOptions {
  gatewayID: string;
  maxChannelsPerConnection: number;
  recoveryMaxEvents: number;
  tokenExpiryLeewayMs: number;
  tokenRefreshNoticeMs: number;
}
export const REALTIME_CORE_OPTIONS = Symbol('RealtimeCoreOptions');

/** The counters the core updates (the gateway's Prometheus metrics). */
export interface CoreMetrics {
  readonly subscriptions: { inc(value?: number): void; dec(value?: number): void };
  readonly recoveries: { inc(labels: { result: string }): void };
  readonly eventsIn: {
    inc(labels: { result: string }): void;
    labels(labels: { result: string }): { inc(): void };
  };
  readonly eventsOut: { inc(value?: number): void };
  readonly publishAckSeconds: { observe(value: number): void };
  readonly badRequests: { inc(): void };
}
export const CORE_METRICS = Symbol('CoreMetrics');
