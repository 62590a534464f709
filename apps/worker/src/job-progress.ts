import type { CompactReason, CompletionReason, FlushReason } from '@runstream/queues';
import type { CompactProgress, FlushProgress, MergePhase, MergeProgress } from '@runstream/tiering';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { ProgressForwarder } from './progress-forwarder';

/**
 * A job's progress as stored in BullMQ. bull-board draws a progress bar from
 * a number or from an object's numeric `progress` field (0..100), and shows
 * the object itself as JSON under the job's Progress tab: the percentage
 * draws the bar, the rest says why the job runs and where it is.
 */
interface JobProgressBase {
  /** 0..100; 100 only once the job's work is done. */
  progress: number;
}

export interface FlushJobProgress extends JobProgressBase, Omit<FlushProgress, 'fraction'> {
  reason: FlushReason;
}

export interface MergeJobProgress extends JobProgressBase {
  reason: CompletionReason;
  phase: MergePhase;
  variablesMerged: number;
  variables: number;
}

export interface CompactJobProgress extends JobProgressBase, Omit<CompactProgress, 'fraction'> {
  reason: CompactReason;
}

/** 0..1 → 0..100, rounded down: a job shows 100 only when it is done. */
export function percentOf(fraction: number): number {
  return Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
}

export function flushJobProgress(reason: FlushReason, p: FlushProgress): FlushJobProgress {
  const { fraction, ...counts } = p;
  return { progress: percentOf(fraction), reason, ...counts };
}

export function mergeJobProgress(reason: CompletionReason, p: MergeProgress): MergeJobProgress {
  const { fraction, ...where } = p;
  return { progress: percentOf(fraction), reason, ...where };
}

export function compactJobProgress(reason: CompactReason, p: CompactProgress): CompactJobProgress {
  const { fraction, ...counts } = p;
  return { progress: percentOf(fraction), reason, ...counts };
}

/**
 * A forwarder of one job's progress to BullMQ. A failed update (Redis full,
 * the lock lost) is logged, at warn the first time and at debug after that,
 * and the job goes on.
 */
function jobProgressForwarder<P extends object>(job: Job, logger: Logger): ProgressForwarder<P> {
  let failures = 0;
  return new ProgressForwarder<P>(
    (progress) => job.updateProgress(progress),
    (err) => {
      const context = { queue: job.queueName, jobId: job.id, err };
      if (failures++ === 0) logger.warn(context, 'cannot update the job’s progress');
      else logger.debug(context, 'cannot update the job’s progress');
    },
  );
}

/**
 * Runs a job's work with its progress forwarded to the job; whatever the
 * work's end, the forwarder settles (its last update sent or given up)
 * before the job returns or throws.
 */
export async function withJobProgress<P extends object, R>(
  job: Job,
  logger: Logger,
  work: (report: (progress: P) => void) => Promise<R>,
): Promise<R> {
  const progress = jobProgressForwarder<P>(job, logger);
  try {
    return await work((p) => progress.report(p));
  } finally {
    await progress.settle();
  }
}
