import type { BackoffStrategy, JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every BullMQ key starts with this prefix. The `{rs}` hash tag puts all of
 * BullMQ's keys in one Redis Cluster slot, as its Lua scripts need.
 */
export const QUEUE_PREFIX = '{rs}:q';

/**
 * Why a flush job was asked for; counted in metrics and logs (tiering's
 * FlushReason has them all): `pressure` (memory over FLUSH_THRESHOLD: ingest
 * or the worker's watchdog), `forced` (by hand), `drain` (the watchdog's own
 * flush at HARD_LIMIT, which runs without a job; a job may ask for one too),
 * `age` (the scheduled flush of buffers older than FLUSH_MAX_AGE_S allows).
 */
export const flushReasonSchema = z.enum(['pressure', 'drain', 'forced', 'age']);
export type FlushReason = z.infer<typeof flushReasonSchema>;

/**
 * Reasons an earlier version wrote into flush jobs, read as today's: a job
 * queued before a rolling upgrade must still run after it.
 */
const LEGACY_FLUSH_REASONS = { memory: 'pressure' } as const satisfies Record<string, FlushReason>;

const flushJobReasonSchema = z.preprocess(
  (reason) =>
    typeof reason === 'string' && Object.hasOwn(LEGACY_FLUSH_REASONS, reason)
      ? LEGACY_FLUSH_REASONS[reason as keyof typeof LEGACY_FLUSH_REASONS]
      : reason,
  flushReasonSchema,
);

export const flushPayloadSchema = z.strictObject({
  reason: flushJobReasonSchema,
  /** ms since the epoch, when the trigger fired; 0 in a scheduled job (its timestamp says). */
  requestedAt: z.number().int().min(0),
});
export type FlushPayload = z.infer<typeof flushPayloadSchema>;

/** Why a run is completed: its producer asked, or the observer saw it idle. */
export const completionReasonSchema = z.enum(['requested', 'idle']);
export type CompletionReason = z.infer<typeof completionReasonSchema>;

// Run ids are `[A-Za-z0-9._-]{1,128}` (domain); repeated here so the queues
// package stays free of the domain's HTTP types.
const runIdField = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/);

export const mergePayloadSchema = z.strictObject({
  run: runIdField,
  reason: completionReasonSchema,
  requestedAt: z.number().int().min(0),
});
export type MergePayload = z.infer<typeof mergePayloadSchema>;

/**
 * Why a compaction was asked for: a flush left a variable of the run with
 * more than COMPACT_SEGMENTS segments (tiering's CompactReason).
 */
export const compactReasonSchema = z.enum(['segments']);
export type CompactReason = z.infer<typeof compactReasonSchema>;

export const compactPayloadSchema = z.strictObject({
  run: runIdField,
  reason: compactReasonSchema,
  requestedAt: z.number().int().min(0),
});
export type CompactPayload = z.infer<typeof compactPayloadSchema>;

export const observePayloadSchema = z.strictObject({
  run: runIdField,
  /** The run's sample count at the last look; -1 before the first look. */
  lastCount: z.number().int().min(-1),
  /** Consecutive looks that saw the count unchanged. */
  unchanged: z.number().int().min(0),
});
export type ObservePayload = z.infer<typeof observePayloadSchema>;

/** The BullMQ job scheduler that adds the age flush jobs. */
export const AGE_FLUSH_SCHEDULER_ID = 'flush-age';

/** The one observe job of a run (a prefix: run ids may be all digits, which BullMQ refuses). */
export function observerJobId(run: string): string {
  return `observe-${run}`;
}

/**
 * Retry delays of failed jobs: exponential from `baseMs`, never longer than
 * `capMs`, for `attempts` attempts in all. The cap matters: a job failed
 * during an S3 outage holds its queue's deduplication id while it waits to
 * retry, and requests meanwhile are dropped, so after the outage it must run
 * again soon, not hours later.
 */
export const RETRY_POLICIES = {
  // ~1.5 min of retries, then the next trigger (memory still high) adds a new job.
  'flush-retry': { baseMs: 1000, capMs: 5000, attempts: 20 },
  // ~17 min of retries; completing the run again (or its observer) asks anew.
  'merge-retry': { baseMs: 2000, capMs: 60_000, attempts: 20 },
  // ~7 min of retries; the run's next flush over the limit asks anew.
  'compact-retry': { baseMs: 2000, capMs: 60_000, attempts: 10 },
} as const;
type RetryPolicyName = keyof typeof RETRY_POLICIES;

/** Every worker's backoff strategy for the catalog's own backoff types (BullMQ's run themselves). */
export const backoffStrategy: BackoffStrategy = (attemptsMade, type) => {
  const policy = RETRY_POLICIES[type as RetryPolicyName] as
    { baseMs: number; capMs: number } | undefined;
  if (policy === undefined) throw new Error(`unknown backoff type '${String(type)}'`);
  return Math.min(policy.baseMs * 2 ** Math.max(0, attemptsMade - 1), policy.capMs);
};

interface QueueDefinition<S extends z.ZodType> {
  name: string;
  payload: S;
  jobOptions: JobsOptions;
  /**
   * Jobs whose payloads give the same id are deduplicated by BullMQ: while
   * one with that id is waiting or active, another add is ignored — or, with
   * `keepLastIfActive`, kept as the single follow-up of an active one.
   * Ids may not contain ':' nor be all digits (BullMQ).
   */
  deduplication?: { id: (payload: z.infer<S>) => string; keepLastIfActive: boolean };
  /**
   * A fixed job id per payload: the job itself is the one instance (the
   * observer reschedules the same job rather than adding new ones).
   */
  jobId?: (payload: z.infer<S>) => string;
}

function define<S extends z.ZodType>(def: QueueDefinition<S>): QueueDefinition<S> {
  return def;
}

/** Job options of a queue retried with one of the catalog's policies, keeping that many finished jobs. */
function retriedJobs(
  policy: RetryPolicyName,
  keep: { completed: number; failed: number },
): JobsOptions {
  return {
    attempts: RETRY_POLICIES[policy].attempts,
    backoff: { type: policy },
    removeOnComplete: { count: keep.completed },
    removeOnFail: { count: keep.failed },
  };
}

/** The catalog of queues, shared by every app: names, payload schemas and default options. */
export const queueCatalog = {
  flush: define({
    name: 'flush',
    payload: flushPayloadSchema,
    // Lock-like jobs must not linger: a stored job would keep its id taken.
    jobOptions: retriedJobs('flush-retry', { completed: 100, failed: 500 }),
    // A trigger during an active flush gives exactly one follow-up flush.
    deduplication: { id: () => 'flush', keepLastIfActive: true },
  }),
  merge: define({
    name: 'merge',
    payload: mergePayloadSchema,
    jobOptions: retriedJobs('merge-retry', { completed: 1000, failed: 1000 }),
    // One merge per run at a time; completing twice is one merge (the job is
    // idempotent, so a second one after it finished would be harmless too).
    deduplication: { id: (p) => `merge-${p.run}`, keepLastIfActive: false },
  }),
  observe: define({
    name: 'observe',
    payload: observePayloadSchema,
    jobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    },
    // One observer per run: the job moves itself back to delayed between looks.
    jobId: (p) => observerJobId(p.run),
  }),
  compact: define({
    name: 'compact',
    payload: compactPayloadSchema,
    jobOptions: retriedJobs('compact-retry', { completed: 100, failed: 500 }),
    // One compaction per run at a time; flushes during it give one follow-up.
    deduplication: { id: (p) => `compact-${p.run}`, keepLastIfActive: true },
  }),
} as const;

export type QueueName = keyof typeof queueCatalog;
export const QUEUE_NAMES = Object.keys(queueCatalog) as QueueName[];
export type PayloadOf<N extends QueueName> = z.infer<(typeof queueCatalog)[N]['payload']>;

export function isQueueName(name: string): name is QueueName {
  return Object.hasOwn(queueCatalog, name);
}
