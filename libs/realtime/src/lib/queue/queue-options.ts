import type { JobsOptions } from 'bullmq';

/**
 * BullMQ key prefix of a deployment's queues: every queue key lives under the deployment's
 * REDIS_KEY_PREFIX, so deployments (and test runs) sharing one Redis never see each other's jobs.
 */
export const bullPrefix = (keyPrefix: string): string => `${keyPrefix}bull`;

/**
 * Options of every persist-batch job. Completed jobs are dropped at once (their events are in
 * Postgres); a job whose processing keeps failing is retried with exponential backoff, then kept
 * in the failed set for an operator (never dropped).
 */
export const PERSIST_BATCH_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: false,
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
};
