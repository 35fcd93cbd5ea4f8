import type { ChannelEvent } from './model';

/** BullMQ queue carrying acked events from the publish path to the persistence writer. */
export const EVENTS_QUEUE = 'channels-events';
/** Job name: one job carries a batch of events (one BullMQ job per event tops out near 11k/s). */
export const PERSIST_BATCH_JOB = 'persist-batch';

/** One event to store: the wire event plus its app (the writer's unique keys are app+channel+offset/id). */
export interface StoredEvent extends Required<Pick<ChannelEvent, 'offset' | 'epoch'>> {
  appID: string;
  channelID: string;
  id: string;
  eventType: string;
  payload: unknown;
  senderID: string;
  timestamp: number;
}

export interface PersistBatchJob {
  events: StoredEvent[];
  /** Unix ms when the batch was handed off (lag metrics). */
  enqueuedAt: number;
}
