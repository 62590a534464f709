import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { FlushRunner } from './flush-runner';
import { flushJobProgress, jobProgressForwarder, type FlushJobProgress } from './job-progress';
import { payloadOf, type JobProcessor } from './processors';

/**
 * The flush queue's processor: checks the payload against the catalog, then
 * runs one flush for the payload's reason, reporting its progress on the job.
 * A payload the catalog refuses fails for good (UnrecoverableError: a retry
 * would refuse it again); a flush that fails (S3 down…) throws and BullMQ
 * retries it with the catalog's backoff, the data waiting in Redis meanwhile.
 */
export function flushProcessor(runner: FlushRunner, logger: Logger): JobProcessor {
  return async (job: Job) => {
    const { reason, requestedAt } = payloadOf('flush', job);
    const progress = jobProgressForwarder<FlushJobProgress>(job, logger);
    try {
      return await runner.run(
        reason,
        { jobId: job.id, attempt: job.attemptsMade + 1, waitedMs: Date.now() - requestedAt },
        (p) => progress.report(flushJobProgress(reason, p)),
      );
    } finally {
      await progress.settle();
    }
  };
}
