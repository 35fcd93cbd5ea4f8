/** A channel as `/v1` answers it. */
export const channel = (channelID: string, over: Record<string, unknown> = {}) => ({
  appID: 'demo',
  channelID,
  name: '',
  persistent: false,
  private: false,
  presence: false,
  isClosed: false,
  extra: '',
  ackMode: null,
  effectiveAckMode: 'queued',
  createdAt: 1_700_000_000_000,
  ...over,
});
