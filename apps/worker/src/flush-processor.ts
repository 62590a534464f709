import { queueCatalog } from '@runstream/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import type { FlushRunner } from './flush-runner';
import type { JobProcessor } from './processors';

/**
 * The flush queue's processor: checks the payload against the catalog, then
 * runs one flush. A payload the catalog refuses fails for good
 * (UnrecoverableError: a retry would refuse it again); a flush that fails
 * (S3 down…) throws and BullMQ retries it with the catalog's backoff, the
 * data waiting in Redis meanwhile.
 */
export function flushProcessor(runner: FlushRunner): JobProcessor {
  return async (job: Job) => {
    const parsed = queueCatalog.flush.payload.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(
        `flush job ${job.id ?? '?'}: bad payload: ${parsed.error.message}`,
      );
    return runner.run(parsed.data.reason, {
      jobId: job.id,
      attempt: job.attemptsMade + 1,
      waitedMs: Date.now() - parsed.data.requestedAt,
    });
  };
}
