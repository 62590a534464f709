import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every BullMQ key starts with this prefix. The `{rs}` hash tag puts all of
 * BullMQ's keys in one Redis Cluster slot, as its Lua scripts need.
 */
export const QUEUE_PREFIX = '{rs}:q';

/** Why a flush was asked for; counted in metrics and logs. */
export const flushReasonSchema = z.enum(['memory', 'drain', 'forced']);
export type FlushReason = z.infer<typeof flushReasonSchema>;

export const flushPayloadSchema = z.strictObject({
  reason: flushReasonSchema,
  /** ms since the epoch, when the trigger fired. */
  requestedAt: z.number().int().min(0),
});
export type FlushPayload = z.infer<typeof flushPayloadSchema>;

interface QueueDefinition<S extends z.ZodType> {
  name: string;
  payload: S;
  jobOptions: JobsOptions;
  /**
   * Jobs of this queue share one deduplication id: at most one active and one
   * waiting at a time. A request that arrives while one runs becomes exactly
   * one follow-up (BullMQ's keepLastIfActive), never a dropped trigger.
   */
  deduplicationId?: string;
}

/**
 * The catalog of queues, shared by every app: names, payload schemas and
 * default options. merge and observe join in the run-completion issue.
 */
export const queueCatalog = {
  flush: {
    name: 'flush',
    payload: flushPayloadSchema,
    jobOptions: {
      attempts: 20,
      backoff: { type: 'exponential', delay: 1000 },
      // Lock-like jobs must not linger: a stored job would keep its id taken.
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 500 },
    },
    deduplicationId: 'flush',
  },
} as const satisfies Record<string, QueueDefinition<z.ZodType>>;

export type QueueName = keyof typeof queueCatalog;
export const QUEUE_NAMES = Object.keys(queueCatalog) as QueueName[];
export type PayloadOf<N extends QueueName> = z.infer<(typeof queueCatalog)[N]['payload']>;

export function isQueueName(name: string): name is QueueName {
  return Object.hasOwn(queueCatalog, name);
}
