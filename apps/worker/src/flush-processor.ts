import type { Queues } from '@runstream/queues';
import type { CompactionTrigger, FlushReport } from '@runstream/tiering';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { FlushRunner } from './flush-runner';
import { flushJobProgress, withJobProgress, type FlushJobProgress } from './job-progress';
import { payloadOf, type JobProcessor } from './processors';

/** Where a flush job asks for compactions: the runs its segments left with too many. */
export interface CompactionRequests {
  trigger: CompactionTrigger;
  queues: Queues;
}

/**
 * The flush queue's processor: checks the payload against the catalog, then
 * runs one flush for the payload's reason, reporting its progress on the job.
 * A payload the catalog refuses fails for good (UnrecoverableError: a retry
 * would refuse it again); a flush that fails (S3 down…) throws and BullMQ
 * retries it with the catalog's backoff, the data waiting in Redis meanwhile.
 * After a flush, a run with a variable holding more than COMPACT_SEGMENTS
 * segments gets a compaction job; asking is never why a flush job fails.
 */
export function flushProcessor(
  runner: FlushRunner,
  logger: Logger,
  compaction?: CompactionRequests,
): JobProcessor {
  return async (job: Job) => {
    const { reason, requestedAt } = payloadOf('flush', job);
    const report = await withJobProgress<FlushJobProgress, FlushReport>(job, logger, (show) =>
      runner.run(
        reason,
        {
          jobId: job.id,
          attempt: job.attemptsMade + 1,
          // A scheduled job (requestedAt 0) was asked for when it was made.
          waitedMs: Date.now() - (requestedAt > 0 ? requestedAt : job.timestamp),
        },
        (p) => show(flushJobProgress(reason, p)),
      ),
    );
    if (compaction !== undefined) await requestCompactions(compaction, logger);
    return report;
  };
}

async function requestCompactions(
  { trigger, queues }: CompactionRequests,
  logger: Logger,
): Promise<void> {
  try {
    for (const run of await trigger.runsToCompact())
      await queues.add('compact', { run, reason: 'segments', requestedAt: Date.now() });
  } catch (err) {
    // The variable's next flush looks again.
    logger.warn({ err }, 'cannot ask for compactions');
  }
}
