import type { JobType, Queue } from 'bullmq';

/** Every state a BullMQ 6 job can be in (v6 has no separate paused state). */
export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const satisfies readonly JobType[];

export type JobStateName = (typeof JOB_STATES)[number];

/** Jobs per state, per queue name. */
export type JobCountsByQueue = Record<string, Record<JobStateName, number>>;

/** Reads every queue's job counts (one round trip per queue). */
export async function readJobCounts(queues: readonly Queue[]): Promise<JobCountsByQueue> {
  const counts = await Promise.all(queues.map((q) => q.getJobCounts(...JOB_STATES)));
  return Object.fromEntries(
    queues.map((q, i) => {
      const raw = counts[i] ?? {};
      const byState = Object.fromEntries(JOB_STATES.map((s) => [s, raw[s] ?? 0]));
      return [q.name, byState as Record<JobStateName, number>];
    }),
  );
}
